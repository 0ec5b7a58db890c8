import { billingSettingsSchema } from "@proxpanel/billing";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { jsonResponse, noContent } from "../../openapi.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import { publishRadiusChange } from "../subscribers/index.ts";
import { getBillingSettings, updateBillingSettings } from "./billing-settings.ts";
import * as out from "./responses.ts";
import { createTaxRate, deleteTaxRate, listTaxRates, updateTaxRate } from "./tax-rates.ts";

const taxRateBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    // Basis points: 1600 is 16 %.
    basisPoints: z.number().int().min(0).max(10_000),
    inclusive: z.boolean().default(false),
    isDefault: z.boolean().default(false),
  })
  .strict();
const taxRatePatch = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    basisPoints: z.number().int().min(0).max(10_000).optional(),
    inclusive: z.boolean().optional(),
    isDefault: z.boolean().optional(),
  })
  .strict();
const settingsPatch = billingSettingsSchema
  .omit({ legal: true, suspension: true })
  .partial()
  .extend({
    legal: billingSettingsSchema.shape.legal.partial().strict().optional(),
    suspension: billingSettingsSchema.shape.suspension.partial().strict().optional(),
  })
  .strict();
const idParam = z.object({ id: z.uuid() });

/** Tax rates and the billing preferences (recurring run, grace, legal details on documents). */
export function billingRoutes(deps: AppDeps) {
  const view = requirePermission("billing.view");
  const edit = requirePermission("billing.edit");
  // After a settings change the RADIUS daemon reloads the tenant: `suspension` decides its answer.
  const radius = publishRadiusChange(deps);
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get("/tax-rates", jsonResponse(out.taxRateList, "The tax rates"), view, async (c) =>
      c.json({ items: await listTaxRates({ ctx: serviceCtx(c) }) }),
    )
    .post(
      "/tax-rates",
      jsonResponse(out.taxRateBody, "The new tax rate", { status: 201 }),
      edit,
      validate("json", taxRateBody),
      async (c) => c.json({ taxRate: await createTaxRate({ ctx: serviceCtx(c), input: c.req.valid("json") }) }, 201),
    )
    .patch(
      "/tax-rates/:id",
      jsonResponse(out.taxRateBody, "The tax rate as changed"),
      edit,
      validate("param", idParam),
      validate("json", taxRatePatch),
      async (c) =>
        c.json({
          taxRate: await updateTaxRate({
            ctx: serviceCtx(c),
            input: { ...c.req.valid("json"), id: c.req.valid("param").id },
          }),
        }),
    )
    .delete("/tax-rates/:id", noContent("Deleted"), edit, validate("param", idParam), async (c) => {
      await deleteTaxRate({ ctx: serviceCtx(c), input: c.req.valid("param") });
      return c.body(null, 204);
    })
    .get("/settings", jsonResponse(out.billingSettings, "Billing preferences"), view, async (c) =>
      c.json(await getBillingSettings({ ctx: serviceCtx(c) })),
    )
    .patch(
      "/settings",
      jsonResponse(out.billingSettings, "Billing preferences, saved"),
      edit,
      radius,
      validate("json", settingsPatch),
      async (c) => c.json(await updateBillingSettings({ ctx: serviceCtx(c), input: c.req.valid("json") })),
    );
}
