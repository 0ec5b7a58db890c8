import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { jsonResponse, noContent } from "../../openapi.ts";
import { pageQuery } from "../../pagination.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import { publishRadiusChange } from "../subscribers/index.ts";
import { createPlan, deletePlan, getPlan, listPlans, PLAN_SORTS, updatePlan } from "./plans.ts";
import { planDetail, planPage, planRow } from "./responses.ts";

const kbps = z.number().int().min(1).max(100_000_000);
const optKbps = kbps.nullable().optional();

export const planBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    downloadKbps: kbps,
    uploadKbps: kbps,
    burstDownloadKbps: optKbps,
    burstUploadKbps: optKbps,
    burstThresholdPct: z.number().int().min(1).max(100).nullable().optional(),
    burstTimeS: z.number().int().min(1).max(3600).nullable().optional(),
    quotaBytes: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).nullable().optional(),
    quotaPeriod: z.enum(["none", "daily", "weekly", "monthly"]).optional(),
    fupAction: z.enum(["throttle", "block"]).optional(),
    fupDownloadKbps: optKbps,
    fupUploadKbps: optKbps,
    validityDays: z.number().int().min(1).max(3660).optional(),
    priceCents: z.number().int().min(0).max(1_000_000_000).optional(),
    isActive: z.boolean().optional(),
    ipPoolId: z.string().uuid().nullable().optional(),
    ipv6PoolId: z.string().uuid().nullable().optional(),
    delegatedIpv6PoolId: z.string().uuid().nullable().optional(),
    // Open sessions allowed at once; null = unlimited.
    simultaneousUse: z.number().int().min(1).max(1000).nullable().optional(),
    simultaneousUseAction: z.enum(["reject", "disconnect_oldest"]).optional(),
  })
  .strict();

const checkPlan = <T extends Partial<z.infer<typeof planBody>>>(b: T) =>
  !(b.quotaBytes && b.quotaPeriod === "none") &&
  !(b.fupAction === "throttle" && b.quotaBytes && !(b.fupDownloadKbps && b.fupUploadKbps));
const planRule = {
  message: "a quota needs a period other than none, and throttling needs fupDownloadKbps and fupUploadKbps",
};

const listQuery = z.object({
  ...pageQuery,
  active: z
    .enum(["true", "false"])
    .transform((v) => v === "true")
    .optional(),
  sort: z.enum(PLAN_SORTS).default("name"),
  order: z.enum(["asc", "desc"]).default("asc"),
});
const idParam = z.object({ id: z.string().uuid() });

export function planRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .use(publishRadiusChange(deps))
    .get(
      "/",
      jsonResponse(planPage, "A page of plans"),
      requirePermission("plans.view"),
      validate("query", listQuery),
      async (c) => c.json(await listPlans({ ctx: serviceCtx(c), input: c.req.valid("query") })),
    )
    .get(
      "/:id",
      jsonResponse(z.object({ plan: planDetail }), "The plan"),
      requirePermission("plans.view"),
      validate("param", idParam),
      async (c) => c.json({ plan: await getPlan({ ctx: serviceCtx(c), input: c.req.valid("param") }) }),
    )
    .post(
      "/",
      jsonResponse(z.object({ plan: planRow }), "The new plan", { status: 201 }),
      requirePermission("plans.edit"),
      validate("json", planBody.refine(checkPlan, planRule)),
      async (c) => c.json({ plan: await createPlan({ ctx: serviceCtx(c), input: c.req.valid("json") }) }, 201),
    )
    .patch(
      "/:id",
      jsonResponse(z.object({ plan: planRow }), "The plan as changed"),
      requirePermission("plans.edit"),
      validate("param", idParam),
      validate("json", planBody.partial().refine(checkPlan, planRule)),
      async (c) =>
        c.json({
          plan: await updatePlan({
            ctx: serviceCtx(c),
            input: { id: c.req.valid("param").id, changes: c.req.valid("json") },
          }),
        }),
    )
    .delete("/:id", noContent("Deleted"), requirePermission("plans.edit"), validate("param", idParam), async (c) => {
      await deletePlan({ ctx: serviceCtx(c), input: c.req.valid("param") });
      return c.body(null, 204);
    });
}
