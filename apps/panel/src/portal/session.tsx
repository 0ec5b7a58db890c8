import { createEffect, createResource, createRoot, createSignal } from "solid-js";
import { api, unwrap } from "../api/client";
import { formatMoney, setDisplayDateFormat, setDisplayTimezone } from "../ui/format";
import { getPortalToken, onPortalUnauthorized, portalApi, setPortalToken } from "./client";

/** The subscriber's portal session and the provider's public branding, shared by every portal page. */
export const portal = createRoot(() => {
  const [token, setTokenSignal] = createSignal(getPortalToken());
  const [me, { refetch: refetchMe }] = createResource(token, () => unwrap(portalApi.GET("/api/portal/me")));
  const [branding] = createResource(() => unwrap(api.GET("/api/branding")));
  // Dates in the provider's timezone, as on its invoices and in RADIUS expiry.
  createEffect(() => setDisplayTimezone(me()?.timezone ?? branding()?.timezone));
  createEffect(() => setDisplayDateFormat(branding()?.dateFormat));
  const signIn = (t: string) => {
    setPortalToken(t);
    setTokenSignal(t);
  };
  const signOut = () => {
    setPortalToken(null);
    setTokenSignal(null);
  };
  onPortalUnauthorized(signOut);
  const currency = () => me()?.currency ?? branding()?.currency ?? "USD";
  const money = (cents: number) => formatMoney(cents, currency());
  return { token, me, refetchMe, branding, signIn, signOut, money };
});
