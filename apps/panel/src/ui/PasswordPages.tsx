import { createSignal, type JSX, Show } from "solid-js";
import { ApiError } from "../api/client";
import { ErrorBanner } from "./ErrorBanner";
import { TextField } from "./Field";
import { emailAddress, newPassword } from "./forms";
import { createSubmit } from "./submit";

/**
 * "Forgot password?": asks for the address and says the same thing whether or not an account uses
 * it (the API does too). Shared by every realm; the page passes the call and the way back.
 */
export function ForgotPasswordPage(props: {
  header: JSX.Element;
  send: (email: string) => Promise<void>;
  signInHref: string;
}) {
  const [email, setEmail] = createSignal("");
  const [emailError, setEmailError] = createSignal<string>();
  const [sent, setSent] = createSignal(false);
  const { busy, error, submit } = createSubmit({
    check: () => {
      setEmailError(emailAddress(email()));
      return !emailError();
    },
    send: async () => {
      await props.send(email().trim());
      setSent(true);
    },
  });
  return (
    <main class="login-page">
      <form class="login-card" onSubmit={submit} noValidate aria-label="Forgot password">
        {props.header}
        <h2>Forgot your password?</h2>
        <Show
          when={!sent()}
          fallback={
            <p role="status" data-testid="reset-sent">
              If an account uses {email().trim()}, a link to set a new password is on its way. Check your mail.
            </p>
          }
        >
          <p class="muted">Enter your e-mail address and we will mail you a link to set a new password.</p>
          <ErrorBanner error={error()} />
          <TextField
            label="E-mail"
            type="email"
            name="email"
            autocomplete="username"
            value={email()}
            onValue={setEmail}
            error={emailError()}
          />
          <button type="submit" class="primary" disabled={busy()}>
            {busy() ? "Sending…" : "Mail me a link"}
          </button>
        </Show>
        <p>
          <a href={props.signInHref}>Back to sign in</a>
        </p>
      </form>
    </main>
  );
}

/**
 * The page a reset mail links to (`/reset-password?token=…`): a new password, typed twice, under
 * the same rules as everywhere; an expired or used link says so and offers a new one.
 */
export function ResetPasswordPage(props: {
  header: JSX.Element;
  send: (token: string, password: string) => Promise<void>;
  signInHref: string;
  forgotHref: string;
  /** The password rule of this realm (staff by default; subscribers' PPPoE passwords differ). */
  rule?: (password: string) => string | undefined;
}) {
  const token = new URLSearchParams(location.search).get("token") ?? "";
  const [password, setPassword] = createSignal("");
  const [again, setAgain] = createSignal("");
  const [errors, setErrors] = createSignal<{ password?: string; again?: string }>({});
  const [done, setDone] = createSignal(false);
  const [invalidLink, setInvalidLink] = createSignal(!token);
  const { busy, error, submit } = createSubmit({
    check: () => {
      const e = {
        password: (props.rule ?? newPassword)(password()),
        again: again() === password() ? undefined : "The two passwords differ.",
      };
      setErrors(e);
      return !e.password && !e.again;
    },
    send: async () => {
      await props.send(token, password());
      setDone(true);
    },
    onError: (err) => {
      if (!(err instanceof ApiError && err.code === "reset_token_invalid")) return false;
      setInvalidLink(true);
      return true;
    },
  });
  return (
    <main class="login-page">
      <form class="login-card" onSubmit={submit} noValidate aria-label="Set a new password">
        {props.header}
        <h2>Set a new password</h2>
        <Show when={done()}>
          <p role="status" data-testid="reset-done">
            Your password is set. <a href={props.signInHref}>Sign in</a> with it.
          </p>
        </Show>
        <Show when={!done() && invalidLink()}>
          <p role="alert" data-testid="reset-invalid">
            This link has expired or was already used. <a href={props.forgotHref}>Ask for a new link</a>.
          </p>
        </Show>
        <Show when={!done() && !invalidLink()}>
          <ErrorBanner error={error()} />
          <TextField
            label="New password"
            type="password"
            name="password"
            autocomplete="new-password"
            value={password()}
            onValue={setPassword}
            error={errors().password}
            hint="At least 10 characters."
          />
          <TextField
            label="New password again"
            type="password"
            name="again"
            autocomplete="new-password"
            value={again()}
            onValue={setAgain}
            error={errors().again}
          />
          <button type="submit" class="primary" disabled={busy()}>
            {busy() ? "Saving…" : "Set password"}
          </button>
        </Show>
      </form>
    </main>
  );
}
