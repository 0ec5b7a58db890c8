import { plans, tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import { describeRoute, resolver } from "hono-openapi";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { notFound } from "../../errors.ts";
import { requireTenantAuth } from "../../middleware/auth.ts";

const siteBody = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("apex") }),
  z.object({ kind: z.literal("tenant"), slug: z.string() }),
]);

const planBody = z.object({
  code: z.string(),
  name: z.string(),
  hourlyBackups: z.boolean(),
  backupQuotaBytes: z.number(),
  modules: z.array(z.string()),
});

const json = (schema: z.ZodType, description: string) => ({
  200: { description, content: { "application/json": { schema: resolver(schema) } } },
});

/**
 * What the browser panel asks first: is this host the apex (console) or a tenant (its panel)?
 * A suspended or moved tenant never gets here: site resolution answers 403/409 with a code the
 * panel turns into its suspended/moved page.
 */
export function siteRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get(
      "/",
      describeRoute({
        summary: "Kind of site this host serves",
        security: [],
        responses: json(siteBody, "Apex or tenant"),
      }),
      (c) => {
        const site = c.get("site");
        c.header("Cache-Control", "no-store");
        if (site.kind === "apex") return c.json({ kind: "apex" as const });
        return c.json({ kind: "tenant" as const, slug: site.tenant.slug });
      },
    )
    .get(
      "/plan",
      describeRoute({
        summary: "The signed-in tenant's SaaS plan (what the panel may offer, e.g. hourly backups)",
        responses: json(planBody, "Plan features"),
      }),
      // Signed-in only: a tenant's plan is not for anonymous visitors of its login page.
      requireTenantAuth(deps),
      async (c) => {
        const [row] = await deps.db
          .select({
            code: plans.code,
            name: plans.name,
            hourlyBackups: plans.hourlyBackups,
            backupQuotaBytes: plans.backupQuotaBytes,
          })
          .from(tenants)
          .innerJoin(plans, eq(plans.code, tenants.plan))
          .where(eq(tenants.id, c.get("tenant").id));
        if (!row) throw notFound("Plan not found");
        const site = c.get("site");
        return c.json({ ...row, modules: site.kind === "tenant" ? [...site.tenant.modules] : [] });
      },
    );
}
