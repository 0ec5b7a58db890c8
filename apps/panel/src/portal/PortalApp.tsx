import { Route, Router, type RouteSectionProps, useLocation } from "@solidjs/router";
import { type Component, lazy, Match, Show, Switch } from "solid-js";
import { unwrap } from "../api/client";
import { useBrandStyle } from "../tenant/brand-style";
import { ErrorBanner } from "../ui/ErrorBanner";
import { Layout } from "../ui/Layout";
import { ForgotPasswordPage, ResetPasswordPage } from "../ui/PasswordPages";
import { portalApi } from "./client";
import { PortalLogin } from "./PortalLogin";
import { portal } from "./session";
import "./portal.css";

const Home = lazy(() => import("./pages/Home"));
const Invoices = lazy(() => import("./pages/Invoices"));
const Sessions = lazy(() => import("./pages/Sessions"));
const Account = lazy(() => import("./pages/Account"));
const Plans = lazy(() => import("./pages/Plans"));

const PAGES: { href: string; label: string; component: Component }[] = [
  { href: "/portal", label: "My account", component: Home },
  { href: "/portal/invoices", label: "Invoices & payments", component: Invoices },
  { href: "/portal/sessions", label: "Usage & sessions", component: Sessions },
  { href: "/portal/plans", label: "Plans", component: Plans },
  { href: "/portal/profile", label: "Profile & password", component: Account },
];

/** A page once the subscriber's overview is in (or why it is not): never left on "Loading…". */
function ready(page: Component): Component {
  return () => (
    <Show
      when={portal.me()}
      fallback={portal.me.error ? <ErrorBanner error={portal.me.error} /> : <p class="muted">Loading…</p>}
    >
      {page({})}
    </Show>
  );
}

const brandHeader = () => <h1 data-testid="company-name">{portal.branding()?.companyName ?? ""}</h1>;

function Shell(props: RouteSectionProps) {
  const location = useLocation();
  return (
    <Switch fallback={<PortalLogin />}>
      <Match when={location.pathname === "/portal/forgot-password"}>
        <ForgotPasswordPage
          header={brandHeader()}
          signInHref="/portal"
          send={async (email) => {
            await unwrap(portalApi.POST("/api/portal/auth/password/forgot", { body: { email } }));
          }}
        />
      </Match>
      <Match when={location.pathname === "/portal/reset-password"}>
        <ResetPasswordPage
          header={brandHeader()}
          signInHref="/portal"
          forgotHref="/portal/forgot-password"
          rule={(pw) => (pw.length >= 4 && pw.length <= 64 ? undefined : "Use 4 to 64 characters.")}
          send={async (token, password) => {
            await unwrap(portalApi.POST("/api/portal/auth/password/reset", { body: { token, password } }));
          }}
        />
      </Match>
      <Match when={portal.token()}>
        <Layout
          title={portal.branding()?.companyName ?? ""}
          nav={PAGES}
          user={portal.me()?.subscriber.username}
          onSignOut={portal.signOut}
        >
          {props.children}
        </Layout>
      </Match>
    </Switch>
  );
}

/** The subscriber self-care portal, at /portal on every tenant host. */
export default function PortalApp() {
  useBrandStyle(portal.branding);
  return (
    <Router root={Shell}>
      {PAGES.map((p) => (
        <Route path={p.href} component={ready(p.component)} />
      ))}
      <Route path="/portal/*" component={ready(Home)} />
    </Router>
  );
}
