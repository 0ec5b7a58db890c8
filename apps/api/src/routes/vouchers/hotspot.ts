import { randomBytes } from "node:crypto";
import { type Context, Hono } from "hono";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { fileResponse } from "../../openapi.ts";
import { serviceCtx } from "../../services/context.ts";
import { getPublicBranding } from "../settings/settings.ts";
import { type HotspotParams, hotspotPage } from "./hotspot-page.ts";
import { getVoucherSettings } from "./settings.ts";

// MikroTik's own names for the variables its login.html hands on.
const FIELDS: Record<keyof HotspotParams, string> = {
  linkLoginOnly: "link-login-only",
  linkOrig: "link-orig",
  chapId: "chap-id",
  chapChallenge: "chap-challenge",
  error: "error",
  mac: "mac",
  ip: "ip",
  code: "code",
};

const pick = (get: (name: string) => unknown): HotspotParams => {
  const out = {} as HotspotParams;
  for (const [k, name] of Object.entries(FIELDS) as [keyof HotspotParams, string][]) {
    const v = get(name);
    // Anything else (a file, a repeated field) is dropped; lengths are capped so the page stays small.
    out[k] = typeof v === "string" ? v.replaceAll("\u0000", "").slice(0, 2048) : "";
  }
  return out;
};

const doc = fileResponse(
  "text/html",
  "The tenant's MikroTik hotspot login page (login.html flow: CHAP or PAP, voucher or account)",
  { security: [] },
);

/**
 * GET or POST /hotspot/login on the tenant's host. No sign-in: the router's login.html sends the
 * not-yet-connected client here, so the page only reads public branding and the voucher setting.
 */
export function hotspotRoutes(_deps: AppDeps) {
  const render = async (c: Context<AppEnv>, params: HotspotParams) => {
    const ctx = serviceCtx(c);
    const [branding, settings] = await Promise.all([getPublicBranding({ ctx }), getVoucherSettings({ ctx })]);
    const nonce = randomBytes(16).toString("base64");
    const mode = c.req.query("mode") === "account" ? "account" : "voucher";
    const html = hotspotPage({
      params,
      company: branding.companyName,
      primaryColor: branding.branding.primaryColor,
      logoUrl: branding.branding.logoUrl,
      passwordMode: settings.passwordMode,
      mode,
      nonce,
    });
    c.header(
      "Content-Security-Policy",
      `default-src 'none'; img-src 'self'; style-src 'nonce-${nonce}'; script-src 'nonce-${nonce}'; form-action http: https:; base-uri 'none'; frame-ancestors 'none'`,
    );
    c.header("Cache-Control", "no-store");
    c.header("Referrer-Policy", "no-referrer");
    return c.html(html);
  };
  return new Hono<AppEnv>()
    .get("/login", doc, (c) =>
      render(
        c,
        pick((n) => c.req.query(n)),
      ),
    )
    .post("/login", doc, async (c) => {
      const body = await c.req.parseBody().catch(() => ({}) as Record<string, unknown>);
      return render(
        c,
        pick((n) => body[n] ?? c.req.query(n)),
      );
    });
}
