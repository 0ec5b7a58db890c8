import { Route, Router, type RouteSectionProps, useLocation } from "@solidjs/router";
import { lazy, Match, Switch } from "solid-js";
import { api, unwrap } from "../api/client";
import { ErrorBanner } from "../ui/ErrorBanner";
import { Layout, type NavItem } from "../ui/Layout";
import { ForgotPasswordPage, ResetPasswordPage } from "../ui/PasswordPages";
import { ConsoleLoginPage } from "./LoginPage";
import { consoleSession } from "./session";
import { TotpEnrolment } from "./TotpEnrolment";
import "./console.css";

const Tenants = lazy(() => import("./pages/Tenants"));
const Backups = lazy(() => import("./pages/Backups"));
const Reports = lazy(() => import("./pages/Reports"));
const Audit = lazy(() => import("./pages/Audit"));
const Health = lazy(() => import("./pages/Health"));
const Mail = lazy(() => import("./pages/Mail"));

const NAV: NavItem[] = [
  { href: "/", label: "Tenants" },
  { href: "/backups", label: "Backup health" },
  { href: "/reports", label: "Reports" },
  { href: "/audit", label: "Audit" },
  { href: "/mail", label: "Outgoing mail" },
  { href: "/health", label: "System health" },
];

const consoleHeader = () => <h1>ProxPanel console</h1>;

function Shell(props: RouteSectionProps) {
  const me = () => consoleSession.me();
  const location = useLocation();
  return (
    <Switch fallback={<p class="boot">Loading…</p>}>
      {/* Account recovery needs no session: reached from the sign-in page and from the mail. */}
      <Match when={location.pathname.endsWith("/forgot-password")}>
        <ForgotPasswordPage
          header={consoleHeader()}
          signInHref="/console"
          send={async (email) => {
            await unwrap(api.POST("/api/saas/auth/password/forgot", { body: { email } }));
          }}
        />
      </Match>
      <Match when={location.pathname.endsWith("/reset-password")}>
        <ResetPasswordPage
          header={consoleHeader()}
          signInHref="/console"
          forgotHref="/console/forgot-password"
          send={async (token, password) => {
            await unwrap(api.POST("/api/saas/auth/password/reset", { body: { token, password } }));
          }}
        />
      </Match>
      <Match when={!consoleSession.token()}>
        <ConsoleLoginPage />
      </Match>
      <Match when={consoleSession.me.error}>
        <main class="page">
          <ErrorBanner error={consoleSession.me.error} />
          <button type="button" onClick={() => consoleSession.signOut()}>
            Sign in again
          </button>
        </main>
      </Match>
      <Match when={me() && !me()?.superAdmin.mfa}>
        <TotpEnrolment />
      </Match>
      <Match when={me()?.superAdmin.mfa}>
        <Layout title="ProxPanel console" nav={NAV} user={me()?.superAdmin.email} onSignOut={consoleSession.signOut}>
          {props.children}
        </Layout>
      </Match>
    </Switch>
  );
}

/** The super-admin console, served on the apex host only, under /console (the apex's / is signup). */
export default function ConsoleApp() {
  return (
    <Router root={Shell} base="/console">
      <Route path="/" component={Tenants} />
      <Route path="/backups" component={Backups} />
      <Route path="/reports" component={Reports} />
      <Route path="/audit" component={Audit} />
      <Route path="/health" component={Health} />
      <Route path="/mail" component={Mail} />
      <Route path="*" component={Tenants} />
    </Router>
  );
}
