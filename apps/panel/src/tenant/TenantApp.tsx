import { Route, Router, type RouteSectionProps, useLocation } from "@solidjs/router";
import { lazy, Match, Switch } from "solid-js";
import { api, unwrap } from "../api/client";
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

const NAV: NavItem[] = [
  { href: "/", label: "Dashboard" },
  { href: "/subscribers", label: "Subscribers" },
  { href: "/plans", label: "Plans" },
  { href: "/nas", label: "NAS devices" },
  { href: "/ip-pools", label: "IP pools" },
  { href: "/sessions", label: "Online sessions" },
  { href: "/billing", label: "Invoices & payments" },
  { href: "/resellers", label: "Resellers" },
  { href: "/users", label: "Admin users" },
  { href: "/notifications", label: "Notifications" },
  { href: "/backups", label: "Backups" },
  { href: "/audit", label: "Audit log" },
  { href: "/settings", label: "Settings" },
];

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
          nav={NAV}
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
      <Route path="/" component={Dashboard} />
      <Route path="/subscribers" component={Subscribers} />
      <Route path="/plans" component={Plans} />
      <Route path="/nas" component={NasPage} />
      <Route path="/ip-pools" component={IpPools} />
      <Route path="/sessions" component={Sessions} />
      <Route path="/backups" component={Backups} />
      <Route path="/audit" component={Audit} />
      <Route path="/billing" component={Billing} />
      <Route path="/resellers" component={Resellers} />
      <Route path="/users" component={Users} />
      <Route path="/notifications" component={Notifications} />
      <Route path="/settings" component={Settings} />
      <Route path="*" component={Dashboard} />
    </Router>
  );
}
