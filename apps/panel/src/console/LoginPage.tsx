import { createSignal, Show } from "solid-js";
import { ApiError, api, unwrap } from "../api/client";
import { TextField } from "../ui/Field";
import { LoginForm } from "../ui/LoginForm";
import { consoleSession } from "./session";

const CODE_RE = /^\d{6}$/;

/** Operator sign-in: e-mail and password, then the authenticator code once the server asks for it. */
export function ConsoleLoginPage() {
  const [code, setCode] = createSignal("");
  const [needCode, setNeedCode] = createSignal(false);
  const [codeError, setCodeError] = createSignal<string>();

  const checkCode = () => {
    setCodeError(
      needCode() && !CODE_RE.test(code().trim()) ? "Enter the 6-digit code from your authenticator app." : undefined,
    );
    return !codeError();
  };
  const codeRequested = (err: unknown) => {
    if (!(err instanceof ApiError && err.code === "totp_required" && !needCode())) return false;
    // Password accepted; this operator has TOTP, so ask for the code without calling it an error.
    setNeedCode(true);
    queueMicrotask(() => document.querySelector<HTMLInputElement>('input[name="totp"]')?.focus());
    return true;
  };

  return (
    <main class="login-page">
      <LoginForm
        label="Operator sign in"
        header={
          <>
            <h1>ProxPanel console</h1>
            <p class="muted">Super-admin sign in</p>
          </>
        }
        check={checkCode}
        onError={codeRequested}
        submitLabel={needCode() ? "Verify and sign in" : "Sign in"}
        footer={
          <p class="login-footer">
            <a href="/console/forgot-password">Forgot password?</a>
          </p>
        }
        signIn={async (creds) => {
          const body = { ...creds, ...(needCode() ? { totp: code().trim() } : {}) };
          const res = await unwrap(api.POST("/api/saas/auth/login", { body }));
          consoleSession.signIn(res.token);
        }}
      >
        <Show when={needCode()}>
          <TextField
            label="Authentication code"
            name="totp"
            inputmode="numeric"
            autocomplete="one-time-code"
            maxLength={6}
            hint="The 6-digit code from your authenticator app."
            value={code()}
            onValue={setCode}
            error={codeError()}
          />
        </Show>
      </LoginForm>
    </main>
  );
}
