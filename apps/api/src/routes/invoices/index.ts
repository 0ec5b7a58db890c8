import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { jsonResponse } from "../../openapi.ts";
import { pageQuery } from "../../pagination.ts";
import {
  createInvoice,
  getInvoice,
  INVOICE_SORTS,
  listInvoices,
  payInvoice,
  voidInvoice,
} from "../../services/billing.ts";
import { serviceCtx } from "../../services/context.ts";
import { isoDate, validate } from "../../validate.ts";
import { publishRadiusChange } from "../subscribers/index.ts";
import { createCreditNote, listCreditNotes } from "./credit-notes.ts";
import { receiptFields } from "./receipt.ts";
import { creditNoteIssued, creditNoteRow, invoiceDetail, invoicePage, invoicePaid, invoiceRow } from "./responses.ts";

const cents = z.number().int().min(1).max(1_000_000_000);
const date = isoDate;

const listQuery = z.object({
  page: pageQuery.page,
  limit: pageQuery.limit,
  order: pageQuery.order,
  sort: z.enum(INVOICE_SORTS).default("created"),
  status: z.enum(["unpaid", "paid", "void"]).optional(),
  subscriberId: z.uuid().optional(),
  resellerId: z.uuid().optional(),
  from: date.optional(),
  to: date.optional(),
});
const line = z
  .object({
    description: z.string().trim().min(1).max(500),
    quantity: z.number().int().min(1).max(10_000),
    unitCents: z.number().int().min(0).max(1_000_000_000),
  })
  .strict()
  .transform((l) => ({ ...l, amountCents: l.quantity * l.unitCents }));
const createBody = z
  .object({
    subscriberId: z.uuid(),
    // Before an exclusive tax (or including an inclusive one); the sum of the lines when they are given.
    amountCents: cents.optional(),
    lines: z.array(line).min(1).max(100).optional(),
    // Left out: the tenant's default rate; null: no tax.
    taxRateId: z.uuid().nullable().optional(),
    description: z.string().trim().min(1).max(500),
    dueAt: date.nullable().optional(),
    periodStart: date.nullable().optional(),
    periodEnd: date.nullable().optional(),
  })
  .strict()
  .refine((b) => (b.amountCents === undefined) !== (b.lines === undefined), {
    message: "give either amountCents or lines",
    path: ["amountCents"],
  });
const payBody = z
  .object({
    amountCents: cents.optional(),
    fromBalance: z.boolean().optional(),
    description: z.string().trim().min(1).max(500).optional(),
    ...receiptFields,
  })
  .strict();
const creditBody = z.object({ amountCents: cents, reason: z.string().trim().min(1).max(500) }).strict();
const idParam = z.object({ id: z.uuid() });

export function invoiceRoutes(deps: AppDeps) {
  const view = requirePermission("billing.view");
  const edit = requirePermission("billing.edit");
  // publishRadiusChange: a payment may restore a subscriber suspended for non-payment.
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .use(publishRadiusChange(deps))
    .get("/", jsonResponse(invoicePage, "A page of invoices"), view, validate("query", listQuery), async (c) =>
      c.json(await listInvoices({ ctx: serviceCtx(c), input: c.req.valid("query") })),
    )
    .get(
      "/:id",
      jsonResponse(z.object({ invoice: invoiceDetail }), "The invoice and its movements"),
      view,
      validate("param", idParam),
      async (c) => c.json({ invoice: await getInvoice({ ctx: serviceCtx(c), input: c.req.valid("param") }) }),
    )
    .post(
      "/",
      jsonResponse(z.object({ invoice: invoiceRow }), "The new invoice", { status: 201 }),
      edit,
      validate("json", createBody),
      async (c) => c.json({ invoice: await createInvoice({ ctx: serviceCtx(c), input: c.req.valid("json") }) }, 201),
    )
    .post(
      "/:id/payments",
      jsonResponse(invoicePaid, "The payment, recorded", { status: 201 }),
      edit,
      validate("param", idParam),
      validate("json", payBody),
      async (c) =>
        c.json(
          await payInvoice({ ctx: serviceCtx(c), input: { id: c.req.valid("param").id, ...c.req.valid("json") } }),
          201,
        ),
    )
    .get(
      "/:id/credit-notes",
      jsonResponse(z.object({ items: z.array(creditNoteRow) }), "The invoice's credit notes"),
      view,
      validate("param", idParam),
      async (c) =>
        c.json({ items: await listCreditNotes({ ctx: serviceCtx(c), input: { invoiceId: c.req.valid("param").id } }) }),
    )
    .post(
      "/:id/credit-notes",
      jsonResponse(creditNoteIssued, "The credit note, issued", { status: 201 }),
      edit,
      validate("param", idParam),
      validate("json", creditBody),
      async (c) =>
        c.json(
          await createCreditNote({
            ctx: serviceCtx(c),
            input: { invoiceId: c.req.valid("param").id, ...c.req.valid("json") },
          }),
          201,
        ),
    )
    .post(
      "/:id/void",
      jsonResponse(z.object({ invoice: invoiceRow }), "The invoice, void"),
      edit,
      validate("param", idParam),
      async (c) => c.json({ invoice: await voidInvoice({ ctx: serviceCtx(c), input: c.req.valid("param") }) }),
    );
}
