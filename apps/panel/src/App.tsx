import { createResource, lazy, Match, Suspense, Switch } from "solid-js";
import { ApiError, api, errorMessage, unwrap } from "./api/client";
import { StatusPage } from "./ui/StatusPage";

// The console and the signup page are only for the apex: separate chunks keep tenant login pages small.
const ConsoleApp = lazy(() => import("./console/ConsoleApp.tsx"));
const SignupPage = lazy(() => import("./signup/SignupPage.tsx"));
// The tenant panel is a chunk too: its session module asks tenant routes (/api/branding,
// /api/auth/me) as soon as it loads, which on the apex would only be 404s.
const TenantApp = lazy(() => import("./tenant/TenantApp.tsx"));
// Subscribers never load the operator's panel, and operators never load the portal.
const PortalApp = lazy(() => import("./portal/PortalApp.tsx"));

/** On the apex, /console is the operators' console; every other path is the signup page. */
const onConsolePath = () => location.pathname === "/console" || location.pathname.startsWith("/console/");

/** On a tenant host, /portal is the subscribers' self-care portal. */
const onPortalPath = () => location.pathname === "/portal" || location.pathname.startsWith("/portal/");

/** Asks the API which kind of host this is, then shows the console, a tenant panel or why neither. */
export default function App() {
  const [site] = createResource(() => unwrap(api.GET("/api/site")));
  const failure = () => (site.error instanceof ApiError ? site.error : undefined);
  return (
    <Switch fallback={<p class="boot">Loading…</p>}>
      <Match when={failure()?.code === "tenant_suspended"}>
        <StatusPage title="Workspace suspended" testId="suspended">
          {failure()?.message}
        </StatusPage>
      </Match>
      <Match when={failure()?.code === "tenant_migrated"}>
        <StatusPage title="Workspace moved">{failure()?.message}</StatusPage>
      </Match>
      <Match when={site.error}>
        <StatusPage title="Unavailable">{errorMessage(site.error)}</StatusPage>
      </Match>
      <Match when={site()?.kind === "apex" && onConsolePath()}>
        <Suspense fallback={<p class="boot">Loading…</p>}>
          <ConsoleApp />
        </Suspense>
      </Match>
      <Match when={site()?.kind === "apex"}>
        <Suspense fallback={<p class="boot">Loading…</p>}>
          <SignupPage />
        </Suspense>
      </Match>
      <Match when={site()?.kind === "tenant" && onPortalPath()}>
        <Suspense fallback={<p class="boot">Loading…</p>}>
          <PortalApp />
        </Suspense>
      </Match>
      {/* No Suspense around the panel: its pages read resources (the plan, branding) that must
          not blank the whole panel while they load; the chunk simply appears when it is in. */}
      <Match when={site()?.kind === "tenant"}>
        <TenantApp />
      </Match>
    </Switch>
  );
}
