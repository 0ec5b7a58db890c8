import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "../api/schema";

// The portal keeps its own token beside the operator's (same origin, different realm): signing
// into one never signs the other in or out.
const TOKEN_KEY = "proxpanel.portal-token";

export function getPortalToken(): string | null {
  return localStorage.getItem(TOKEN_KEY);
}

export function setPortalToken(token: string | null): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

let onUnauthorized: () => void = () => {};
export function onPortalUnauthorized(listener: () => void): void {
  onUnauthorized = listener;
}

const auth: Middleware = {
  onRequest({ request }) {
    const token = getPortalToken();
    if (token) request.headers.set("authorization", `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) onUnauthorized();
    return response;
  },
};

export const portalApi = createClient<paths>({ baseUrl: "" });
portalApi.use(auth);
