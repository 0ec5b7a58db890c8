import QRCode from "qrcode";
import { createResource, createSignal, Show } from "solid-js";
import { api, unwrap } from "../api/client";
import type { ApiData } from "../api/types";
import { ErrorBanner } from "../ui/ErrorBanner";
import { TextField } from "../ui/Field";
import { createSubmit } from "../ui/submit";
import { consoleSession } from "./session";

type Enrolment = ApiData<"/api/saas/auth/totp/enroll", "post"> & { qr: string };

/** First sign-in: scan the QR code (or type the secret), confirm one code, get an MFA token. */
export function TotpEnrolment() {
  const [enrolment, { refetch }] = createResource(async (): Promise<Enrolment> => {
    const e = await unwrap(api.POST("/api/saas/auth/totp/enroll"));
    // Rendered in the browser: the secret never goes to a third-party QR service.
    const qr = await QRCode.toDataURL(e.otpauthUri, { margin: 1, width: 220 });
    return { ...e, qr };
  });
  const [code, setCode] = createSignal("");
  const [codeError, setCodeError] = createSignal<string>();
  const {
    busy,
    error,
    submit: confirm,
  } = createSubmit({
    check: () => {
      setCodeError(/^\d{6}$/.test(code().trim()) ? undefined : "Enter the 6-digit code your app shows now.");
      return !codeError();
    },
    send: async () => {
      const res = await unwrap(api.POST("/api/saas/auth/totp/confirm", { body: { code: code().trim() } }));
      consoleSession.signIn(res.token);
    },
  });

  return (
    <main class="login-page">
      <form class="login-card" onSubmit={confirm} noValidate aria-label="Set up two-factor authentication">
        <h1>Set up two-factor sign-in</h1>
        <p class="muted">
          The console needs an authenticator app. Scan the code, or type the secret, then enter the code it shows.
        </p>
        <ErrorBanner error={error() ?? enrolment.error} />
        <Show when={enrolment()} fallback={<p>{enrolment.error ? "" : "Preparing…"}</p>}>
          {(en) => (
            <>
              <img class="totp-qr" src={en().qr} width="220" height="220" alt="QR code of the authenticator secret" />
              <p>
                Secret:{" "}
                <code class="secret" data-testid="totp-secret">
                  {en().secret}
                </code>
              </p>
            </>
          )}
        </Show>
        <TextField
          label="Code from the app"
          name="code"
          inputmode="numeric"
          autocomplete="one-time-code"
          maxLength={6}
          value={code()}
          onValue={setCode}
          error={codeError()}
        />
        <div class="actions">
          <button type="button" onClick={() => void refetch()}>
            New secret
          </button>
          <button type="button" onClick={() => consoleSession.signOut()}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy() || !enrolment()}>
            {busy() ? "Checking…" : "Confirm"}
          </button>
        </div>
      </form>
    </main>
  );
}
