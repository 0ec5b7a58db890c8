import { Route, Router, type RouteSectionProps, useLocation } from "@solidjs/router";
import { type Component, lazy, Match, Show, Switch } from "solid-js";
import { Dynamic } from "solid-js/web";
import { api, unwrap } from "../api/client";
import { ErrorBanner } from "../ui/ErrorBanner";
import { Layout, type NavItem } from "../ui/Layout";
import { ForgotPasswordPage, ResetPasswordPage } from "../ui/PasswordPages";
import { useBrandStyle } from "./brand-style";
import { LoginPage } from "./LoginPage";
import { session } from "./session";

const Dashboard = lazy(() => import("./pages/Dashboard"));
const Subscribers = lazy(() => import("./pages/Subscribers"));
const Plans = lazy(() => import("./pages/Plans"));
const NasPage = lazy(() => import("./pages/Nas"));
const Backups = lazy(() => import("./pages/Backups"));
const Settings = lazy(() => import("./pages/Settings"));
const IpPools = lazy(() => import("./pages/IpPools"));
const Sessions = lazy(() => import("./pages/Sessions"));
const Audit = lazy(() => import("./pages/Audit"));
const Billing = lazy(() => import("./pages/Billing"));
const Resellers = lazy(() => import("./pages/Resellers"));
const Users = lazy(() => import("./pages/Users"));
const Notifications = lazy(() => import("./pages/Notifications"));
const AuthLog = lazy(() => import("./pages/AuthLog"));
const WireGuard = lazy(() => import("./pages/WireGuard"));
const Vouchers = lazy(() => import("./pages/Vouchers"));

/** Each page with what it needs: the menu shows it, and the page opens, only for users who have it. */
interface PageEntry extends NavItem {
  permission?: string;
  module?: string;
  component: Component;
}

const PAGES: PageEntry[] = [
  { href: "/", label: "Dashboard", component: Dashboard },
  { href: "/subscribers", label: "Subscribers", permission: "subscribers.view", component: Subscribers },
  { href: "/plans", label: "Plans", permission: "plans.view", component: Plans },
  { href: "/nas", label: "NAS devices", permission: "nas.view", component: NasPage },
  { href: "/ip-pools", label: "IP pools", permission: "pools.view", component: IpPools },
  { href: "/wireguard", label: "WireGuard", permission: "wireguard.view", module: "wireguard", component: WireGuard },
  { href: "/sessions", label: "Online sessions", permission: "sessions.view", component: Sessions },
  { href: "/auth-log", label: "Connection log", permission: "sessions.view", component: AuthLog },
  { href: "/billing", label: "Invoices & payments", permission: "billing.view", component: Billing },
  { href: "/vouchers", label: "Vouchers", permission: "vouchers.view", component: Vouchers },
  { href: "/resellers", label: "Resellers", permission: "resellers.view", module: "resellers", component: Resellers },
  { href: "/users", label: "Admin users", permission: "users.view", component: Users },
  {
    href: "/notifications",
    label: "Notifications",
    permission: "notifications.view",
    module: "notifications",
    component: Notifications,
  },
  { href: "/backups", label: "Backups", permission: "backups.view", component: Backups },
  { href: "/audit", label: "Audit log", permission: "audit.view", component: Audit },
  { href: "/settings", label: "Settings", permission: "settings.view", component: Settings },
];

const MODULE_NAMES: Record<string, string> = {
  resellers: "Resellers",
  notifications: "Notifications",
  wireguard: "WireGuard",
};

/** Why the signed-in user may not open a page, or undefined when it may (or while that is not known yet). */
function refusal(page: PageEntry): string | undefined {
  if (!session.me()) return undefined;
  if (page.permission && !session.can(page.permission)) {
    return `Your account does not have the permission “${page.permission}”, which this page needs. An owner of this workspace can grant it under Admin users.`;
  }
  if (page.module && session.plan() && !session.hasModule(page.module)) {
    return `The ${MODULE_NAMES[page.module] ?? page.module} module is not part of this workspace's plan.`;
  }
  return undefined;
}

/** The page, or a clear "not for you" in its place: never a page left waiting on a refused request. */
function guarded(page: PageEntry): Component {
  return () => (
    <Show
      when={session.me() && (!page.module || session.plan())}
      fallback={
        session.me.error || session.plan.error ? (
          <ErrorBanner error={session.me.error ?? session.plan.error} />
        ) : (
          <p class="muted">Loading…</p>
        )
      }
    >
      <Show
        when={!refusal(page)}
        fallback={
          <section data-testid="page-refused">
            <h1>{page.label}</h1>
            <p class="banner banner-info">{refusal(page)}</p>
          </section>
        }
      >
        <Dynamic component={page.component} />
      </Show>
    </Show>
  );
}

// A module's page joins the menu once the plan says it is there.
const visibleNav = () => PAGES.filter((p) => session.me() && !refusal(p) && (!p.module || session.plan()));

const brandHeader = () => <h1 data-testid="company-name">{session.branding()?.companyName ?? ""}</h1>;

function Shell(props: RouteSectionProps) {
  const location = useLocation();
  return (
    <Switch fallback={<LoginPage />}>
      {/* Reached from the sign-in page and from the mailed link: no session needed. */}
      <Match when={location.pathname === "/forgot-password"}>
        <ForgotPasswordPage
          header={brandHeader()}
          signInHref="/"
          send={async (email) => {
            await unwrap(api.POST("/api/auth/password/forgot", { body: { email } }));
          }}
        />
      </Match>
      <Match when={location.pathname === "/reset-password"}>
        <ResetPasswordPage
          header={brandHeader()}
          signInHref="/"
          forgotHref="/forgot-password"
          send={async (token, password) => {
            await unwrap(api.POST("/api/auth/password/reset", { body: { token, password } }));
          }}
        />
      </Match>
      <Match when={session.token()}>
        <Layout
          title={session.branding()?.companyName ?? "ProxPanel"}
          nav={visibleNav()}
          user={session.me()?.user.email}
          onSignOut={session.signOut}
        >
          {props.children}
        </Layout>
      </Match>
    </Switch>
  );
}

/** The panel of one tenant (its subdomain or custom domain). */
export default function TenantApp() {
  useBrandStyle(session.branding);
  return (
    <Router root={Shell}>
      {PAGES.map((page) => (
        <Route path={page.href} component={guarded(page)} />
      ))}
      <Route path="*" component={guarded(PAGES[0] as PageEntry)} />
    </Router>
  );
}
