import { type Context, Hono, type MiddlewareHandler } from "hono";
import { describeRoute } from "hono-openapi";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { AppError, ErrorCode } from "../../errors.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { jsonResponse, noContent } from "../../openapi.ts";
import { pageQuery } from "../../pagination.ts";
import { renewSubscriber } from "../../services/billing.ts";
import { serviceCtx } from "../../services/context.ts";
import { isoDate, validate } from "../../validate.ts";
import { ipv6Prefix } from "../ipv6-pools/schemas.ts";
import { subscriberUsageBody } from "../sessions/responses.ts";
import { subscriberUsage } from "../sessions/sessions.ts";
import {
  bulkReport,
  importReport,
  passwordBody,
  planChanged,
  renewed,
  subscriberBody,
  subscriberPage,
} from "./responses.ts";
import { BULK_ACTIONS, bulkSubscriberAction } from "./subscriber-bulk.ts";
import { exportSubscribers, importSubscribers } from "./subscriber-csv.ts";
import { messageBody, messageDoc, messageSubscribers } from "./subscriber-message.ts";
import {
  changeSubscriberPlan,
  createSubscriber,
  deleteSubscriber,
  getSubscriber,
  listSubscribers,
  revealPassword,
  SUBSCRIBER_SORTS,
  setSubscriberStatus,
  updateSubscriber,
} from "./subscribers.ts";

const mac = z
  .string()
  .regex(/^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/, "must look like AA:BB:CC:DD:EE:FF")
  .transform((m) => m.toUpperCase().replaceAll("-", ":"));

const fields = {
  fullName: z.string().trim().max(200).optional(),
  email: z.string().trim().email().max(254).nullable().optional(),
  phone: z.string().trim().max(40).nullable().optional(),
  address: z.string().trim().max(500).nullable().optional(),
  notes: z.string().max(2000).optional(),
  staticIp: z.ipv4().nullable().optional(),
  ipPoolId: z.string().uuid().nullable().optional(),
  staticIpv6Prefix: ipv6Prefix.nullable().optional(),
  delegatedIpv6Prefix: ipv6Prefix.nullable().optional(),
  // Open sessions allowed at once; null = the plan's limit.
  simultaneousUse: z.number().int().min(1).max(1000).nullable().optional(),
  macAddress: mac.nullable().optional(),
  macLockOnFirstLogin: z.boolean().optional(),
  expiresAt: isoDate.nullable().optional(),
  // Opt-outs: false stops every notification on that channel.
  notifyEmail: z.boolean().optional(),
  notifySms: z.boolean().optional(),
  // prepaid: invoiced before each period, renewed by payment; postpaid: invoiced after it.
  billingMode: z.enum(["prepaid", "postpaid"]).optional(),
};
const username = z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/, "letters, digits and . _ @ - only, at most 64");
const password = z.string().min(4).max(64);

const createBody = z
  .object({
    ...fields,
    username,
    password,
    planId: z.string().uuid(),
    status: z.enum(["active", "disabled"]).optional(),
    resellerId: z.string().uuid().nullable().optional(),
  })
  .strict();
const updateBody = z
  .object({ ...fields, username: username.optional(), password: password.optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, "nothing to change");

const listQuery = z.object({
  ...pageQuery,
  status: z.enum(["active", "disabled", "expired"]).optional(),
  planId: z.string().uuid().optional(),
  resellerId: z.string().uuid().optional(),
  expiringWithinDays: z.coerce.number().int().min(0).max(3650).optional(),
  sort: z.enum(SUBSCRIBER_SORTS).default("username"),
  order: z.enum(["asc", "desc"]).default("asc"),
});
const idParam = z.object({ id: z.string().uuid() });
const bulkBody = z
  .object({
    ids: z.array(z.string().uuid()).min(1).max(200),
    action: z.enum(BULK_ACTIONS),
    planId: z.string().uuid().optional(),
  })
  .strict()
  .refine((b) => b.action !== "change_plan" || b.planId, {
    message: "planId: required to change plan",
    path: ["planId"],
  });

/** `/api/subscribers/<id>` and its sub-resources: a change to that one subscriber. */
const ONE_SUBSCRIBER = /\/subscribers\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:\/|$)/i;

/** The one subscriber a change touched (an edit by id, or a create's new id); undefined: several or unknown. */
async function changedSubscriber(c: Context<AppEnv>): Promise<string | undefined> {
  const byPath = ONE_SUBSCRIBER.exec(c.req.path)?.[1];
  if (byPath) return byPath;
  if (c.req.method !== "POST" || c.res.status !== 201 || !/\/subscribers\/?$/.test(c.req.path)) return undefined;
  const body = (await c.res
    .clone()
    .json()
    .catch(() => undefined)) as { subscriber?: { id?: unknown } } | undefined;
  return typeof body?.subscriber?.id === "string" ? body.subscriber.id : undefined;
}

/**
 * After a successful change (the service has committed) the RADIUS daemon refreshes the one
 * subscriber it names, or reloads the whole tenant when it names none (bulk, import).
 */
export function publishRadiusChange(deps: AppDeps): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (c.req.method === "GET" || c.res.status >= 400) return;
    const tenantId = c.var.tenant?.id;
    if (!tenantId) return;
    const subscriberId = await changedSubscriber(c);
    // The change is committed whatever happens here; the daemon's periodic refresh covers a lost message.
    await deps.state
      .publish("proxpanel:radius:subscriber", JSON.stringify(subscriberId ? { tenantId, subscriberId } : { tenantId }))
      .catch((err: unknown) => c.var.logger.warn({ err: String(err) }, "radius change not published"));
  };
}

export function subscriberRoutes(deps: AppDeps) {
  const key = async (tenantId: string) => ({ key: await deps.keys.forTenant(tenantId) });
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .use(publishRadiusChange(deps))
    .get(
      "/",
      jsonResponse(subscriberPage, "A page of subscribers, each with whether a session is open"),
      requirePermission("subscribers.view"),
      validate("query", listQuery),
      async (c) => c.json(await listSubscribers({ ctx: serviceCtx(c), input: c.req.valid("query") })),
    )
    .get(
      "/export.csv",
      describeRoute({
        summary: "Every subscriber the caller can see, as CSV (no passwords; formula cells neutralised)",
        responses: { 200: { description: "CSV", content: { "text/csv": { schema: { type: "string" } } } } },
      }),
      requirePermission("subscribers.view"),
      async (c) => {
        c.header("Content-Type", "text/csv; charset=utf-8");
        c.header("Content-Disposition", 'attachment; filename="subscribers.csv"');
        return c.body(await exportSubscribers({ ctx: serviceCtx(c) }));
      },
    )
    .post(
      "/import",
      jsonResponse(importReport, "The check of every row (dry run, 200) or the import done (201)", {
        status: [200, 201],
      }),
      requirePermission("subscribers.create"),
      validate("query", z.object({ dryRun: z.enum(["true", "false"]).default("true") })),
      async (c) => {
        const type = c.req.header("content-type") ?? "";
        if (!/^text\/(csv|plain)/.test(type)) {
          throw new AppError(415, ErrorCode.validation, "Send the file as text/csv.");
        }
        const csv = await c.req.text();
        const ctx = serviceCtx(c);
        const report = await importSubscribers(await key(ctx.tenant.id), {
          ctx,
          input: { csv, dryRun: c.req.valid("query").dryRun === "true" },
        });
        return c.json(report, report.dryRun ? 200 : 201);
      },
    )
    .post(
      "/",
      jsonResponse(subscriberBody, "The new subscriber", { status: 201 }),
      requirePermission("subscribers.create"),
      validate("json", createBody),
      async (c) => {
        const ctx = serviceCtx(c);
        return c.json(
          { subscriber: await createSubscriber(await key(ctx.tenant.id), { ctx, input: c.req.valid("json") }) },
          201,
        );
      },
    )
    .get(
      "/:id",
      jsonResponse(subscriberBody, "The subscriber"),
      requirePermission("subscribers.view"),
      validate("param", idParam),
      async (c) => c.json({ subscriber: await getSubscriber({ ctx: serviceCtx(c), input: c.req.valid("param") }) }),
    )
    .get(
      "/:id/usage",
      jsonResponse(subscriberUsageBody, "The subscriber's traffic per day of the tenant's calendar, last 30 days"),
      requirePermission("subscribers.view"),
      validate("param", idParam),
      async (c) => c.json(await subscriberUsage({ ctx: serviceCtx(c), input: { ...c.req.valid("param"), days: 30 } })),
    )
    .post(
      "/:id/reveal-password",
      jsonResponse(passwordBody, "The subscriber's PPPoE password (the reveal is audited)"),
      requirePermission("subscribers.edit"),
      validate("param", idParam),
      async (c) => {
        const ctx = serviceCtx(c);
        return c.json({
          password: await revealPassword(await key(ctx.tenant.id), { ctx, input: c.req.valid("param") }),
        });
      },
    )
    .patch(
      "/:id",
      jsonResponse(subscriberBody, "The subscriber as changed"),
      requirePermission("subscribers.edit"),
      validate("param", idParam),
      validate("json", updateBody),
      async (c) => {
        const ctx = serviceCtx(c);
        return c.json({
          subscriber: await updateSubscriber(await key(ctx.tenant.id), {
            ctx,
            input: { id: c.req.valid("param").id, changes: c.req.valid("json") },
          }),
        });
      },
    )
    .post(
      "/bulk",
      jsonResponse(bulkReport, "Each selected subscriber's outcome"),
      requirePermission("subscribers.edit"),
      validate("json", bulkBody),
      async (c) => c.json(await bulkSubscriberAction({ ctx: serviceCtx(c), input: c.req.valid("json") })),
    )
    .post("/messages", requirePermission("notifications.edit"), messageDoc, validate("json", messageBody), async (c) =>
      c.json(await messageSubscribers({ ctx: serviceCtx(c), input: c.req.valid("json") })),
    )
    .post(
      "/:id/disable",
      jsonResponse(subscriberBody, "The subscriber, disabled (live sessions are disconnected)"),
      requirePermission("subscribers.edit"),
      validate("param", idParam),
      async (c) =>
        c.json({
          subscriber: await setSubscriberStatus({
            ctx: serviceCtx(c),
            input: { id: c.req.valid("param").id, status: "disabled" },
          }),
        }),
    )
    .post(
      "/:id/enable",
      jsonResponse(subscriberBody, "The subscriber, enabled"),
      requirePermission("subscribers.edit"),
      validate("param", idParam),
      async (c) =>
        c.json({
          subscriber: await setSubscriberStatus({
            ctx: serviceCtx(c),
            input: { id: c.req.valid("param").id, status: "active" },
          }),
        }),
    )
    .post(
      "/:id/renew",
      jsonResponse(renewed, "The subscriber's new expiry, the invoice issued and the charge that paid it"),
      requirePermission("subscribers.edit"),
      validate("param", idParam),
      async (c) =>
        c.json(await renewSubscriber({ ctx: serviceCtx(c), input: { subscriberId: c.req.valid("param").id } })),
    )
    .post(
      "/:id/change-plan",
      jsonResponse(planChanged, "The subscriber on its new plan, and the pro-rating billed (null: none)"),
      requirePermission("subscribers.edit"),
      validate("param", idParam),
      validate("json", z.object({ planId: z.string().uuid() })),
      async (c) =>
        c.json(
          await changeSubscriberPlan({
            ctx: serviceCtx(c),
            input: { id: c.req.valid("param").id, planId: c.req.valid("json").planId },
          }),
        ),
    )
    .delete(
      "/:id",
      noContent("Deleted (its addresses and IPv6 prefixes go back to their pools)"),
      requirePermission("subscribers.delete"),
      validate("param", idParam),
      async (c) => {
        await deleteSubscriber({ ctx: serviceCtx(c), input: c.req.valid("param") });
        return c.body(null, 204);
      },
    );
}
