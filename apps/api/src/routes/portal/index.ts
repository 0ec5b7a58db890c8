import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { LoginThrottle } from "../../middleware/rate-limit.ts";
import { jsonResponse, noContent } from "../../openapi.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import { forgotBody, PER_ACCOUNT_PER_HOUR, PER_CLIENT_PER_HOUR, take } from "../auth/password-reset.ts";
import { forgotAnswer } from "../auth/responses.ts";
import { subscriberUsageBody } from "../sessions/responses.ts";
import { publishRadiusChange } from "../subscribers/index.ts";
import {
  changePortalPassword,
  portalChangePlan,
  portalInvoices,
  portalOverview,
  portalPlans,
  portalRenew,
  portalSessions,
  portalUsage,
  updatePortalProfile,
} from "./portal.ts";
import { bumpPortalSession, portalCtx, portalLogin, portalOtpLogin, requirePortalAuth } from "./portal-auth.ts";
import { otpState } from "./portal-otp.ts";
import { requestPortalReset, resetPortalPassword } from "./portal-reset.ts";
import { currencyCode, getCurrency, getPortalSettings, updateCurrency, updatePortalSettings } from "./preferences.ts";
import * as out from "./responses.ts";

const loginBody = z
  .object({ username: z.string().trim().min(1).max(64), password: z.string().min(1).max(256) })
  .strict();
// The same rule as the operator's subscriber form (the password is also the PPPoE one).
const newPassword = z.string().min(4).max(64);
const passwordBody = z.object({ currentPassword: z.string().min(1).max(256), newPassword }).strict();
const profileBody = z
  .object({
    email: z.string().trim().email().max(254).nullable().optional(),
    phone: z.string().trim().max(40).nullable().optional(),
    address: z.string().trim().max(500).nullable().optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, "nothing to change");
const otpBody = z
  .object({
    challengeId: z.string().min(20).max(2000),
    code: z
      .string()
      .trim()
      .regex(/^\d{6}$/, "the 6-digit code from the SMS"),
  })
  .strict();
const portalResetBody = z.object({ token: z.string().min(20).max(200), password: newPassword }).strict();
const planBody = z.object({ planId: z.string().uuid() }).strict();
const pageQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** The subscriber self-care portal's API, under /api/portal on every tenant host. */
export function portalRoutes(deps: AppDeps) {
  const throttle = new LoginThrottle(deps.limiters);
  const otp = otpState(deps.state);
  const key = (c: { get(k: "tenant"): { id: string } }) => deps.keys.forTenant(c.get("tenant").id);
  const authed = new Hono<AppEnv>()
    .use(requirePortalAuth(deps))
    .use(publishRadiusChange(deps))
    .get("/me", jsonResponse(out.overview, "The portal's home"), async (c) =>
      c.json(await portalOverview({ ctx: portalCtx(c) })),
    )
    .get(
      "/usage",
      jsonResponse(subscriberUsageBody, "The subscriber's traffic per day"),
      validate("query", z.object({ days: z.coerce.number().int().min(1).max(90).default(30) })),
      async (c) => c.json(await portalUsage({ ctx: portalCtx(c), input: c.req.valid("query") })),
    )
    .get("/sessions", jsonResponse(out.sessions, "Open and recent sessions"), async (c) =>
      c.json(await portalSessions({ ctx: portalCtx(c), input: { limit: 20 } })),
    )
    .get(
      "/invoices",
      jsonResponse(out.invoices, "A page of the subscriber's invoices"),
      validate("query", pageQuery),
      async (c) => c.json(await portalInvoices({ ctx: portalCtx(c), input: c.req.valid("query") })),
    )
    .get("/plans", jsonResponse(out.plans, "The plans on offer"), async (c) =>
      c.json(await portalPlans({ ctx: portalCtx(c) })),
    )
    .patch("/profile", jsonResponse(out.profile, "The profile, changed"), validate("json", profileBody), async (c) =>
      c.json({
        subscriber: await updatePortalProfile({ key: await key(c) }, { ctx: portalCtx(c), input: c.req.valid("json") }),
      }),
    )
    .post(
      "/password",
      jsonResponse(out.token, "Changed; a new token (other sessions signed out)"),
      validate("json", passwordBody),
      async (c) => {
        const ctx = portalCtx(c);
        const { sessionVersion } = await changePortalPassword(
          { key: await key(c) },
          { ctx, input: c.req.valid("json") },
        );
        // Every other session ended; this one carries on with a fresh token.
        const token = await deps.tokens.signPortal({
          sub: ctx.subscriberId,
          tenantId: ctx.tenant.id,
          sv: sessionVersion,
        });
        return c.json({ token });
      },
    )
    .post("/renew", jsonResponse(out.renewed, "Renewed from the balance"), async (c) =>
      c.json(await portalRenew({ ctx: portalCtx(c) })),
    )
    .post("/plan", jsonResponse(out.planChanged, "On the new plan"), validate("json", planBody), async (c) =>
      c.json(await portalChangePlan({ ctx: portalCtx(c), input: c.req.valid("json") })),
    )
    .post("/logout", noContent("Every portal session of the subscriber is ended"), async (c) => {
      const ctx = portalCtx(c);
      await bumpPortalSession(ctx, ctx.subscriberId);
      return c.body(null, 204);
    });
  const perAccount = deps.state.rateLimiter({ points: PER_ACCOUNT_PER_HOUR, duration: 3600 });
  const perClient = deps.state.rateLimiter({ points: PER_CLIENT_PER_HOUR, duration: 3600 });
  const resetDeps = {
    db: deps.db,
    resolver: deps.resolver,
    ttlMinutes: deps.config.PASSWORD_RESET_TTL_MIN,
    config: deps.config,
  };
  return new Hono<AppEnv>()
    .post(
      "/auth/password/forgot",
      jsonResponse(forgotAnswer, "A link is sent if the address is known", { status: 202, security: [] }),
      validate("json", forgotBody),
      async (c) => {
        const { email } = c.req.valid("json");
        const tenantId = c.get("tenant").id;
        // Counted whether or not the address is known, so throttling says nothing either.
        await take(perClient, `tenant_${tenantId}:portal_reset_ip:${c.get("clientIp")}`);
        await take(perAccount, `tenant_${tenantId}:portal_reset:${email.toLowerCase()}`);
        await requestPortalReset(resetDeps, { ctx: serviceCtx(c), input: { email } });
        return c.json({ ok: true, message: "If an account uses this address, a reset link is on its way." }, 202);
      },
    )
    .post(
      "/auth/password/reset",
      noContent("Password changed", { security: [] }),
      validate("json", portalResetBody),
      async (c) => {
        await take(perClient, `tenant_${c.get("tenant").id}:portal_reset_ip:${c.get("clientIp")}`);
        const sub = await resetPortalPassword(
          { key: await key(c) },
          { ctx: serviceCtx(c), input: c.req.valid("json") },
        );
        // The new password is the PPPoE one too: the RADIUS daemon reloads this tenant.
        await deps.state
          .publish("proxpanel:radius:subscriber", JSON.stringify({ tenantId: c.get("tenant").id }))
          .catch(() => undefined);
        // Failed sign-ins before the reset say nothing about the new password.
        await deps.limiters.loginAccount.delete(`tenant_${c.get("tenant").id}:portal:${sub.username.toLowerCase()}`);
        return c.body(null, 204);
      },
    )
    .post(
      "/auth/login",
      jsonResponse(out.login, "Signed in", { security: [] }),
      validate("json", loginBody),
      async (c) =>
        c.json(
          await portalLogin(
            { tokens: deps.tokens, throttle, key: await key(c) },
            { ctx: serviceCtx(c), input: c.req.valid("json") },
          ),
        ),
    )
    .post(
      "/auth/otp",
      jsonResponse(out.otpSignedIn, "The code matched: signed in", { security: [] }),
      validate("json", otpBody),
      async (c) =>
        c.json(
          await portalOtpLogin(
            { tokens: deps.tokens, throttle, key: await key(c), otp },
            { ctx: serviceCtx(c), input: c.req.valid("json") },
          ),
        ),
    )
    .route("/", authed);
}

const portalSettingsBody = z
  .object({
    enabled: z.boolean().optional(),
    allowPayments: z.boolean().optional(),
    allowRenew: z.boolean().optional(),
    allowPlanChange: z.boolean().optional(),
    allowProfileEdit: z.boolean().optional(),
    allowPasswordChange: z.boolean().optional(),
    phoneOtp: z.enum(["off", "on"]).optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, "nothing to change");

/** The operator's switches for the portal, and the tenant's currency (/api/settings/portal, /currency). */
export function portalSettingsRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get(
      "/portal",
      jsonResponse(out.settingsBody, "The portal's switches"),
      requirePermission("settings.view"),
      async (c) => c.json({ portal: await getPortalSettings(serviceCtx(c)) }),
    )
    .put(
      "/portal",
      jsonResponse(out.settingsBody, "The switches, saved"),
      requirePermission("settings.edit"),
      validate("json", portalSettingsBody),
      async (c) => c.json({ portal: await updatePortalSettings({ ctx: serviceCtx(c), input: c.req.valid("json") }) }),
    )
    .get(
      "/currency",
      jsonResponse(out.currencyBody, "The tenant's ISO 4217 currency"),
      requirePermission("settings.view"),
      async (c) => c.json({ currency: await getCurrency(serviceCtx(c)) }),
    )
    .put(
      "/currency",
      jsonResponse(out.currencyBody, "The currency, saved"),
      requirePermission("settings.edit"),
      validate("json", z.object({ currency: currencyCode }).strict()),
      async (c) => c.json({ currency: await updateCurrency({ ctx: serviceCtx(c), input: c.req.valid("json") }) }),
    );
}
