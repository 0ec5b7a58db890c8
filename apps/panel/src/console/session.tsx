import { createResource, createRoot, createSignal } from "solid-js";
import { api, getToken, onUnauthorized, setToken, unwrap } from "../api/client";

/**
 * The console's sign-in state. A token without MFA (not yet enrolled) only reaches enrolment:
 * the console always asks for TOTP enrolment before showing anything else.
 */
export const consoleSession = createRoot(() => {
  const [token, setTokenSignal] = createSignal(getToken());
  const [me, { refetch }] = createResource(token, () => unwrap(api.GET("/api/saas/auth/me")));
  const signIn = (t: string) => {
    setToken(t);
    setTokenSignal(t);
  };
  const signOut = () => {
    setToken(null);
    setTokenSignal(null);
  };
  onUnauthorized(signOut);
  return { token, me, refetch, signIn, signOut };
});
