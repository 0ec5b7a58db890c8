import { createSignal, type JSX, Show } from "solid-js";
import { unwrap } from "../api/client";
import { ErrorBanner } from "../ui/ErrorBanner";
import { TextField } from "../ui/Field";
import { LoginForm } from "../ui/LoginForm";
import { createSubmit } from "../ui/submit";
import { portalApi } from "./client";
import { portal } from "./session";

interface Challenge {
  challengeId: string;
  phoneHint: string;
}

/**
 * The subscriber's sign-in: the same username and password as the internet connection, then,
 * when the provider asks for it, the 6-digit code sent by SMS.
 */
export function PortalLogin() {
  const b = () => portal.branding();
  const [challenge, setChallenge] = createSignal<Challenge>();
  const header = (
    <>
      <Show when={b()?.branding.logoUrl}>{(src) => <img class="login-logo" src={src()} alt="" />}</Show>
      <h1 data-testid="company-name">{b()?.companyName ?? ""}</h1>
    </>
  );
  return (
    <main
      class="login-page portal-login"
      style={
        b()?.branding.loginBackgroundUrl ? { "background-image": `url("${b()?.branding.loginBackgroundUrl}")` } : {}
      }
    >
      <Show
        when={challenge()}
        fallback={
          <LoginForm
            label="Customer sign-in"
            identity={{ label: "Username", check: (v) => (v.trim() ? undefined : "Enter your username.") }}
            signIn={async (c) => {
              const res = await unwrap(
                portalApi.POST("/api/portal/auth/login", { body: { username: c.email, password: c.password } }),
              );
              if ("token" in res) portal.signIn(res.token);
              else setChallenge({ challengeId: res.challengeId, phoneHint: res.phoneHint });
            }}
            header={
              <>
                {header}
                <p class="muted">Customer self-care: sign in with your internet username and password.</p>
              </>
            }
            footer={
              <p class="login-footer">
                <a href="/portal/forgot-password">Forgot password?</a>
              </p>
            }
          />
        }
      >
        {(ch) => <CodeForm challenge={ch()} header={header} onRestart={() => setChallenge(undefined)} />}
      </Show>
    </main>
  );
}

/** The second step: the code from the SMS, checked once against the challenge. */
function CodeForm(props: { challenge: Challenge; header: JSX.Element; onRestart: () => void }) {
  const [code, setCode] = createSignal("");
  const [bad, setBad] = createSignal<string>();
  const { busy, error, submit } = createSubmit({
    check: () => {
      const ok = /^\d{6}$/.test(code().trim());
      setBad(ok ? undefined : "Enter the 6 digits from the SMS.");
      return ok;
    },
    send: async () => {
      const res = await unwrap(
        portalApi.POST("/api/portal/auth/otp", {
          body: { challengeId: props.challenge.challengeId, code: code().trim() },
        }),
      );
      portal.signIn(res.token);
    },
  });
  return (
    <form class="login-card" onSubmit={submit} noValidate aria-label="Sign-in code">
      {props.header}
      <p class="muted" data-testid="otp-sent">
        We sent a 6-digit code by SMS to your phone ending {props.challenge.phoneHint}. It is valid for 5 minutes.
      </p>
      <ErrorBanner error={error()} />
      <TextField
        label="Code from SMS"
        name="code"
        inputmode="numeric"
        autocomplete="one-time-code"
        maxLength={6}
        value={code()}
        onValue={setCode}
        error={bad()}
      />
      <button type="submit" class="primary" disabled={busy()}>
        {busy() ? "Checking…" : "Verify"}
      </button>
      <p class="login-footer">
        <button type="button" class="link" onClick={() => props.onRestart()}>
          Start again
        </button>
      </p>
    </form>
  );
}
