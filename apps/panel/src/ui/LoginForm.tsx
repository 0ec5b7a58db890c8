import { createSignal, type JSX } from "solid-js";
import { ErrorBanner } from "./ErrorBanner";
import { TextField } from "./Field";
import { emailAddress } from "./forms";
import { createSubmit } from "./submit";

export interface Credentials {
  /** What was typed to name the account: an e-mail address unless `identity` says otherwise. */
  email: string;
  password: string;
}

/** The field naming the account, when it is not an e-mail address (the portal's username). */
export interface Identity {
  label: string;
  /** The message for a bad value, or undefined when it will do. */
  check: (value: string) => string | undefined;
}

/**
 * The e-mail + password card shared by the tenant and the operator sign-in pages. The page brings
 * its heading (`header`), any extra field (`children`, checked by `check`) and the call that signs
 * in; `onError` may claim an error (e.g. "code required") so it is not shown as a failure.
 */
export function LoginForm(props: {
  label: string;
  header: JSX.Element;
  signIn: (c: Credentials) => Promise<void>;
  check?: () => boolean;
  onError?: (err: unknown) => boolean;
  submitLabel?: string;
  children?: JSX.Element;
  /** Below the button: e.g. the "Forgot password?" link. */
  footer?: JSX.Element;
  identity?: Identity;
}) {
  const [email, setEmail] = createSignal("");
  const [password, setPassword] = createSignal("");
  const [errors, setErrors] = createSignal<{ email?: string; password?: string }>({});
  const { busy, error, submit } = createSubmit({
    check: () => {
      const errs = {
        email: (props.identity?.check ?? emailAddress)(email()),
        password: password() ? undefined : "Enter your password.",
      };
      setErrors(errs);
      // Run the page's own check even when ours failed so every field shows its message at once.
      const extraOk = props.check?.() ?? true;
      return !errs.email && !errs.password && extraOk;
    },
    send: () => props.signIn({ email: email().trim(), password: password() }),
    onError: (err) => props.onError?.(err) ?? false,
  });

  return (
    <form class="login-card" onSubmit={submit} noValidate aria-label={props.label}>
      {props.header}
      <ErrorBanner error={error()} />
      <TextField
        label={props.identity?.label ?? "E-mail"}
        type={props.identity ? "text" : "email"}
        name={props.identity ? "username" : "email"}
        autocomplete="username"
        autocapitalize="none"
        value={email()}
        onValue={setEmail}
        error={errors().email}
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
      {props.children}
      <button type="submit" class="primary" disabled={busy()}>
        {busy() ? "Signing in…" : (props.submitLabel ?? "Sign in")}
      </button>
      {props.footer}
    </form>
  );
}
