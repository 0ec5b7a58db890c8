import { z } from "zod";
import { docTables, pageOf, rowSchema } from "../../openapi.ts";
import { transactionRow } from "../transactions/responses.ts";

const line = z.object({
  description: z.string(),
  quantity: z.number().int(),
  unitCents: z.number().int(),
  amountCents: z.number().int(),
});
/** An invoice as stored, its lines spelled out. */
export const invoiceRow = rowSchema(docTables.invoices).extend({ lines: z.array(line) });
export const invoicePage = pageOf(invoiceRow.extend({ subscriberUsername: z.string().nullable() }));
/** An invoice with every movement recorded against it. */
export const invoiceDetail = invoiceRow.extend({ transactions: z.array(transactionRow) });
/** What a payment did: the invoice after it, the settling charge, the money received (none from the balance). */
export const invoicePaid = z.object({
  invoice: invoiceRow,
  transaction: transactionRow,
  payment: transactionRow.nullable(),
  /** The subscriber, suspended for non-payment, was enabled again. */
  restored: z.boolean(),
});
export const creditNoteRow = rowSchema(docTables.creditNotes);
export const creditNoteIssued = z.object({
  creditNote: creditNoteRow,
  invoice: invoiceRow,
  /** What went back to the balance (null when the note only lowered what is owed). */
  transaction: transactionRow.nullable(),
});
