import { TRANSACTION_TYPES } from "@proxpanel/db/tenant/billing";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { jsonResponse } from "../../openapi.ts";
import { pageQuery } from "../../pagination.ts";
import { listTransactions, recordSubscriberMovement } from "../../services/billing.ts";
import { serviceCtx } from "../../services/context.ts";
import { tenantRevenue } from "../../services/revenue.ts";
import { isoDate, validate } from "../../validate.ts";
import { receiptFields } from "../invoices/receipt.ts";
import { revenueBody, transactionPage, transactionRow } from "./responses.ts";

const listQuery = z.object({
  page: pageQuery.page,
  limit: pageQuery.limit,
  order: pageQuery.order,
  type: z.enum(TRANSACTION_TYPES).optional(),
  subscriberId: z.uuid().optional(),
  resellerId: z.uuid().optional(),
  invoiceId: z.uuid().optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
});
const description = z.string().trim().min(1).max(500);
const revenueQuery = z.object({ from: isoDate.optional(), to: isoDate.optional() }).strict();
const paymentBody = z
  .object({
    subscriberId: z.uuid(),
    amountCents: z.number().int().min(1).max(1_000_000_000),
    description,
    ...receiptFields,
  })
  .strict();
// Signed: a correction either way; the reason is mandatory because nothing else explains it.
const adjustmentBody = z
  .object({
    subscriberId: z.uuid(),
    amountCents: z
      .number()
      .int()
      .min(-1_000_000_000)
      .max(1_000_000_000)
      .refine((n) => n !== 0, { message: "must not be zero" }),
    description,
  })
  .strict();

export function transactionRoutes(deps: AppDeps) {
  const edit = requirePermission("billing.edit");
  return (
    new Hono<AppEnv>()
      .use(requireTenantAuth(deps))
      .get(
        "/",
        jsonResponse(transactionPage, "A page of movements"),
        requirePermission("billing.view"),
        validate("query", listQuery),
        async (c) => c.json(await listTransactions({ ctx: serviceCtx(c), input: c.req.valid("query") })),
      )
      // Money received over a period, per day of the tenant's timezone: the dashboard's figure, and
      // the same definition as the console's billing report.
      .get(
        "/revenue",
        jsonResponse(revenueBody, "Revenue over the period (this month by default)"),
        requirePermission("billing.view"),
        validate("query", revenueQuery),
        async (c) => c.json(await tenantRevenue({ ctx: serviceCtx(c), input: c.req.valid("query") })),
      )
      .post(
        "/payments",
        jsonResponse(z.object({ transaction: transactionRow }), "The payment, recorded", { status: 201 }),
        edit,
        validate("json", paymentBody),
        async (c) =>
          c.json(
            {
              transaction: await recordSubscriberMovement({
                ctx: serviceCtx(c),
                input: { ...c.req.valid("json"), type: "payment" },
              }),
            },
            201,
          ),
      )
      .post(
        "/adjustments",
        jsonResponse(z.object({ transaction: transactionRow }), "The adjustment, recorded", { status: 201 }),
        edit,
        validate("json", adjustmentBody),
        async (c) =>
          c.json(
            {
              transaction: await recordSubscriberMovement({
                ctx: serviceCtx(c),
                input: { ...c.req.valid("json"), type: "adjustment" },
              }),
            },
            201,
          ),
      )
  );
}
