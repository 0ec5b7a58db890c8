import { z } from "zod";
import { docTables, rowSchema } from "../../openapi.ts";
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
