import { Show } from "solid-js";
import { api, unwrap } from "../api/client";
import { LoginForm } from "../ui/LoginForm";
import { session } from "./session";

/** The tenant's branded sign-in page: logo, background, colours and name come from /api/branding. */
export function LoginPage() {
  const b = () => session.branding();
  return (
    <main
      class="login-page"
      style={
        b()?.branding.loginBackgroundUrl ? { "background-image": `url("${b()?.branding.loginBackgroundUrl}")` } : {}
      }
    >
      <LoginForm
        label="Sign in"
        footer={
          <p class="login-footer">
            <a href="/forgot-password">Forgot password?</a>
          </p>
        }
        signIn={async (body) => {
          const res = await unwrap(api.POST("/api/auth/login", { body }));
          session.signIn(res.token);
        }}
        header={
          <>
            <Show when={b()?.branding.logoUrl}>{(src) => <img class="login-logo" src={src()} alt="" />}</Show>
            <h1 data-testid="company-name">{b()?.companyName ?? ""}</h1>
            <p class="muted">Sign in to your panel</p>
            <Show when={session.notice()}>
              <div class="banner banner-info" role="status" data-testid="login-notice">
                {session.notice()}
              </div>
            </Show>
          </>
        }
      />
    </main>
  );
}
