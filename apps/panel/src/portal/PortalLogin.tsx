import { createSignal, Show } from "solid-js";
import { unwrap } from "../api/client";
import { ErrorBanner } from "../ui/ErrorBanner";
import { TextField } from "../ui/Field";
import { createSubmit } from "../ui/submit";
import { portalApi } from "./client";
import { portal } from "./session";

/** The subscriber's sign-in: the same username and password as the internet connection. */
export function PortalLogin() {
  const b = () => portal.branding();
  const [username, setUsername] = createSignal("");
  const [password, setPassword] = createSignal("");
  const [errors, setErrors] = createSignal<{ username?: string; password?: string }>({});
  const { busy, error, submit } = createSubmit({
    check: () => {
      const e = {
        username: username().trim() ? undefined : "Enter your username.",
        password: password() ? undefined : "Enter your password.",
      };
      setErrors(e);
      return !e.username && !e.password;
    },
    send: async () => {
      const res = await unwrap<{ token: string }>(
        portalApi.POST("/api/portal/auth/login", { body: { username: username().trim(), password: password() } }),
      );
      portal.signIn(res.token);
    },
  });
  return (
    <main
      class="login-page portal-login"
      style={
        b()?.branding.loginBackgroundUrl ? { "background-image": `url("${b()?.branding.loginBackgroundUrl}")` } : {}
      }
    >
      <form class="login-card" onSubmit={submit} noValidate aria-label="Customer sign-in">
        <Show when={b()?.branding.logoUrl}>{(src) => <img class="login-logo" src={src()} alt="" />}</Show>
        <h1 data-testid="company-name">{b()?.companyName ?? ""}</h1>
        <p class="muted">Customer self-care: sign in with your internet username and password.</p>
        <ErrorBanner error={error()} />
        <TextField
          label="Username"
          name="username"
          autocomplete="username"
          autocapitalize="none"
          value={username()}
          onValue={setUsername}
          error={errors().username}
        />
        <TextField
          label="Password"
          type="password"
          name="password"
          autocomplete="current-password"
          value={password()}
          onValue={setPassword}
          error={errors().password}
        />
        <button type="submit" class="primary" disabled={busy()}>
          {busy() ? "Signing in…" : "Sign in"}
        </button>
        <p class="login-footer">
          <a href="/portal/forgot-password">Forgot password?</a>
        </p>
      </form>
    </main>
  );
}
