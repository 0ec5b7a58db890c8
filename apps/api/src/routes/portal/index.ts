import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { LoginThrottle } from "../../middleware/rate-limit.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
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
import { bumpPortalSession, portalCtx, portalLogin, requirePortalAuth } from "./portal-auth.ts";
import { currencyCode, getCurrency, getPortalSettings, updateCurrency, updatePortalSettings } from "./preferences.ts";

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
const planBody = z.object({ planId: z.string().uuid() }).strict();
const pageQuery = z.object({
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** The subscriber self-care portal's API, under /api/portal on every tenant host. */
export function portalRoutes(deps: AppDeps) {
  const throttle = new LoginThrottle(deps.limiters);
  const key = (c: { get(k: "tenant"): { id: string } }) => deps.keys.forTenant(c.get("tenant").id);
  const authed = new Hono<AppEnv>()
    .use(requirePortalAuth(deps))
    .use(publishRadiusChange(deps))
    .get("/me", async (c) => c.json(await portalOverview({ ctx: portalCtx(c) })))
    .get(
      "/usage",
      validate("query", z.object({ days: z.coerce.number().int().min(1).max(90).default(30) })),
      async (c) => c.json(await portalUsage({ ctx: portalCtx(c), input: c.req.valid("query") })),
    )
    .get("/sessions", async (c) => c.json(await portalSessions({ ctx: portalCtx(c), input: { limit: 20 } })))
    .get("/invoices", validate("query", pageQuery), async (c) =>
      c.json(await portalInvoices({ ctx: portalCtx(c), input: c.req.valid("query") })),
    )
    .get("/plans", async (c) => c.json(await portalPlans({ ctx: portalCtx(c) })))
    .patch("/profile", validate("json", profileBody), async (c) =>
      c.json({
        subscriber: await updatePortalProfile({ key: await key(c) }, { ctx: portalCtx(c), input: c.req.valid("json") }),
      }),
    )
    .post("/password", validate("json", passwordBody), async (c) => {
      const ctx = portalCtx(c);
      const { sessionVersion } = await changePortalPassword({ key: await key(c) }, { ctx, input: c.req.valid("json") });
      // Every other session ended; this one carries on with a fresh token.
      const token = await deps.tokens.signPortal({
        sub: ctx.subscriberId,
        tenantId: ctx.tenant.id,
        sv: sessionVersion,
      });
      return c.json({ token });
    })
    .post("/renew", async (c) => c.json(await portalRenew({ ctx: portalCtx(c) })))
    .post("/plan", validate("json", planBody), async (c) =>
      c.json({ subscriber: await portalChangePlan({ ctx: portalCtx(c), input: c.req.valid("json") }) }),
    )
    .post("/logout", async (c) => {
      const ctx = portalCtx(c);
      await bumpPortalSession(ctx, ctx.subscriberId);
      return c.body(null, 204);
    });
  return new Hono<AppEnv>()
    .post("/auth/login", validate("json", loginBody), async (c) =>
      c.json(
        await portalLogin(
          { tokens: deps.tokens, throttle, key: await key(c) },
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
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, "nothing to change");

/** The operator's switches for the portal, and the tenant's currency (/api/settings/portal, /currency). */
export function portalSettingsRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get("/portal", requirePermission("settings.view"), async (c) =>
      c.json({ portal: await getPortalSettings(serviceCtx(c)) }),
    )
    .put("/portal", requirePermission("settings.edit"), validate("json", portalSettingsBody), async (c) =>
      c.json({ portal: await updatePortalSettings({ ctx: serviceCtx(c), input: c.req.valid("json") }) }),
    )
    .get("/currency", requirePermission("settings.view"), async (c) =>
      c.json({ currency: await getCurrency(serviceCtx(c)) }),
    )
    .put(
      "/currency",
      requirePermission("settings.edit"),
      validate("json", z.object({ currency: currencyCode }).strict()),
      async (c) => c.json({ currency: await updateCurrency({ ctx: serviceCtx(c), input: c.req.valid("json") }) }),
    );
}
