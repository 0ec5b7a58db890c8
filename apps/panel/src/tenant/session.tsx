import { createEffect, createResource, createRoot, createSignal } from "solid-js";
import { api, getToken, onUnauthorized, setToken, unwrap } from "../api/client";
import { formatMoney, setDisplayDateFormat, setDisplayTimezone } from "../ui/format";

/** The tenant panel's login state and the host's public branding, shared by every page. */
export const session = createRoot(() => {
  const [token, setTokenSignal] = createSignal(getToken());
  // A message for the login page after a forced sign-out (e.g. a restore replaced every session).
  const [notice, setNotice] = createSignal<string>();
  const [me, { refetch: refetchMe }] = createResource(token, () => unwrap(api.GET("/api/auth/me")));
  const [branding, { refetch: refetchBranding }] = createResource(() => unwrap(api.GET("/api/branding")));
  // Every date in the panel is shown in the tenant's timezone.
  createEffect(() => setDisplayTimezone(branding()?.timezone));
  createEffect(() => setDisplayDateFormat(branding()?.dateFormat));
  const signIn = (t: string) => {
    setToken(t);
    setTokenSignal(t);
    setNotice(undefined);
  };
  const signOut = () => {
    setToken(null);
    setTokenSignal(null);
  };
  onUnauthorized(signOut);
  // Arriving from signup on the apex: #handoff=<token> is exchanged for a session once, and the
  // fragment is dropped from the address (and from history) at once.
  const handoff = /^#handoff=([^&]+)$/.exec(location.hash)?.[1];
  if (handoff) {
    history.replaceState(null, "", location.pathname + location.search);
    unwrap(api.POST("/api/auth/handoff", { body: { token: decodeURIComponent(handoff) } }))
      .then((res) => signIn(res.token))
      .catch((err: unknown) => setNotice(err instanceof Error ? err.message : String(err)));
  }
  // "*" grants everything but the restricted permissions, as the API's hasPermission does.
  const RESTRICTED = new Set(["backups.restore_from_other_tenant"]);
  const can = (permission: string) => {
    const u = me()?.user;
    if (!u) return false;
    if (u.permissions.includes(permission)) return true;
    return (u.isOwner || u.permissions.includes("*")) && !RESTRICTED.has(permission);
  };
  // The optional modules the workspace's plan (or the operator) switched on.
  const [plan] = createResource(token, () => unwrap(api.GET("/api/site/plan")));
  const hasModule = (module: string) => plan()?.modules.includes(module) ?? false;
  // Every amount in the tenant's own currency (Settings → Currency).
  const money = (cents: number) => formatMoney(cents, branding()?.currency ?? "USD");
  return {
    token,
    me,
    refetchMe,
    branding,
    refetchBranding,
    signIn,
    signOut,
    can,
    plan,
    hasModule,
    notice,
    setNotice,
    money,
  };
});
