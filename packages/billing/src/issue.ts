import type { Invoice, InvoiceLine, TaxRate } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import type { BillingScope } from "./db.ts";
import { nextDocumentNumber } from "./numbering.ts";
import { applyTax, linesTotal } from "./tax.ts";

export async function defaultTaxRate({ db, t }: BillingScope): Promise<TaxRate | null> {
  const [rate] = await db.select().from(t.taxRates).where(eq(t.taxRates.isDefault, true)).limit(1);
  return rate ?? null;
}

export interface IssueInvoiceInput {
  subscriberId: string | null;
  resellerId: string | null;
  /** The price before an exclusive tax (or including an inclusive one); ignored when lines are given. */
  amountCents?: number | undefined;
  lines?: InvoiceLine[] | undefined;
  /** null: no tax; undefined: the tenant's default rate. */
  taxRate?: TaxRate | null | undefined;
  description: string;
  status?: "unpaid" | "paid" | undefined;
  paidAt?: Date | null | undefined;
  dueAt?: Date | null | undefined;
  periodStart?: Date | null | undefined;
  periodEnd?: Date | null | undefined;
  cycleKey?: string | null | undefined;
}

/**
 * Inserts an invoice with its tax worked out and the next gapless number. Runs in the caller's
 * transaction (the number is only final when it commits). A single line is made from the
 * description when none are given, so every invoice prints the same way.
 */
export async function issueInvoice(scope: BillingScope, input: IssueInvoiceInput): Promise<Invoice> {
  const lines: InvoiceLine[] = input.lines?.length
    ? input.lines
    : [
        {
          description: input.description,
          quantity: 1,
          unitCents: input.amountCents ?? 0,
          amountCents: input.amountCents ?? 0,
        },
      ];
  const rate = input.taxRate === undefined ? await defaultTaxRate(scope) : input.taxRate;
  const amounts = applyTax(linesTotal(lines), rate);
  const paid = input.status === "paid";
  const number = await nextDocumentNumber(scope, "invoice");
  const [invoice] = await scope.db
    .insert(scope.t.invoices)
    .values({
      number,
      subscriberId: input.subscriberId,
      resellerId: input.resellerId,
      amountCents: amounts.totalCents,
      subtotalCents: amounts.subtotalCents,
      taxCents: amounts.taxCents,
      taxName: rate && rate.basisPoints > 0 ? rate.name : null,
      taxBasisPoints: rate && rate.basisPoints > 0 ? rate.basisPoints : null,
      taxInclusive: rate && rate.basisPoints > 0 ? rate.inclusive : null,
      lines,
      status: paid ? "paid" : "unpaid",
      amountPaidCents: paid ? amounts.totalCents : 0,
      paidAt: paid ? (input.paidAt ?? new Date()) : null,
      description: input.description,
      dueAt: input.dueAt ?? null,
      periodStart: input.periodStart ?? null,
      periodEnd: input.periodEnd ?? null,
      cycleKey: input.cycleKey ?? null,
    })
    .returning();
  if (!invoice) throw new Error("insert returned nothing");
  return invoice;
}
