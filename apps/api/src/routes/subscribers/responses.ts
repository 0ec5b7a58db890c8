import { z } from "zod";
import { docTables, pageOf, rowSchema } from "../../openapi.ts";
import { invoiceRow } from "../invoices/responses.ts";
import { transactionRow } from "../transactions/responses.ts";

/** A subscriber as staff see it: every column but the sealed password. */
export const subscriberRow = rowSchema(docTables.subscribers).omit({ passwordEnc: true });
/** What a renewal did: the subscriber's new expiry, the invoice issued and the charge that paid it. */
export const renewed = z.object({ subscriber: subscriberRow, invoice: invoiceRow, transaction: transactionRow });
/** The pro-rating of a plan change (null: nothing billed for the current period, so none). */
export const proration = z
  .object({
    daysLeft: z.number().int(),
    periodDays: z.number().int(),
    creditNoteId: z.uuid().nullable(),
    creditCents: z.number().int(),
    invoiceId: z.uuid().nullable(),
    chargeCents: z.number().int(),
  })
  .nullable();
export const planChanged = z.object({ subscriber: subscriberRow, proration });

/** A subscriber as listed, with whether a session is open and its address. */
export const subscriberListItem = subscriberRow
  .pick({
    id: true,
    username: true,
    status: true,
    planId: true,
    expiresAt: true,
    staticIp: true,
    macAddress: true,
    fullName: true,
    phone: true,
    email: true,
    balanceCents: true,
    resellerId: true,
    bytesIn: true,
    bytesOut: true,
    lastSeenAt: true,
    createdAt: true,
  })
  .extend({ online: z.boolean(), framedIp: z.string().nullable() });
export const subscriberPage = pageOf(subscriberListItem);
export const subscriberBody = z.object({ subscriber: subscriberRow });
/** Each selected subscriber's outcome: one failing does not stop the others. */
export const bulkReport = z.object({
  results: z.array(
    z.object({
      id: z.uuid(),
      ok: z.boolean(),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
    }),
  ),
  succeeded: z.number().int(),
  failed: z.number().int(),
});
/** A CSV import's check (dry run) or result: every row's problems, nothing imported if any. */
export const importReport = z.object({
  rows: z.number().int(),
  valid: z.number().int(),
  errors: z.array(z.object({ line: z.number().int(), username: z.string().optional(), errors: z.array(z.string()) })),
  dryRun: z.boolean(),
  imported: z.number().int(),
});
export const passwordBody = z.object({ password: z.string() });
