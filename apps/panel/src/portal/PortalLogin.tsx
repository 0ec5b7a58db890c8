import { Show } from "solid-js";
import { unwrap } from "../api/client";
import { LoginForm } from "../ui/LoginForm";
import { portalApi } from "./client";
import { portal } from "./session";

/** The subscriber's sign-in: the same username and password as the internet connection. */
export function PortalLogin() {
  const b = () => portal.branding();
  return (
    <main
      class="login-page portal-login"
      style={
        b()?.branding.loginBackgroundUrl ? { "background-image": `url("${b()?.branding.loginBackgroundUrl}")` } : {}
      }
    >
      <LoginForm
        label="Customer sign-in"
        identity={{ label: "Username", check: (v) => (v.trim() ? undefined : "Enter your username.") }}
        signIn={async (c) => {
          const res = await unwrap(
            portalApi.POST("/api/portal/auth/login", { body: { username: c.email, password: c.password } }),
          );
          portal.signIn(res.token);
        }}
        header={
          <>
            <Show when={b()?.branding.logoUrl}>{(src) => <img class="login-logo" src={src()} alt="" />}</Show>
            <h1 data-testid="company-name">{b()?.companyName ?? ""}</h1>
            <p class="muted">Customer self-care: sign in with your internet username and password.</p>
          </>
        }
        footer={
          <p class="login-footer">
            <a href="/portal/forgot-password">Forgot password?</a>
          </p>
        }
      />
    </main>
  );
}
