import type { InvoiceLine } from "@proxpanel/db";

export interface TaxRateLike {
  name: string;
  basisPoints: number;
  inclusive: boolean;
}

export interface InvoiceAmounts {
  subtotalCents: number;
  taxCents: number;
  totalCents: number;
}

/** Integer division rounding half away from zero, so no amount depends on float error. */
const divRound = (n: number, d: number) => Math.floor((2 * n + d) / (2 * d));

/**
 * Tax on an amount in cents. Exclusive: the tax is added to the amount. Inclusive: the amount
 * already holds the tax, which is split out (subtotal + tax = the amount, to the cent).
 */
export function applyTax(amountCents: number, rate: TaxRateLike | null): InvoiceAmounts {
  if (!rate || rate.basisPoints === 0) return { subtotalCents: amountCents, taxCents: 0, totalCents: amountCents };
  if (rate.inclusive) {
    const subtotalCents = divRound(amountCents * 10_000, 10_000 + rate.basisPoints);
    return { subtotalCents, taxCents: amountCents - subtotalCents, totalCents: amountCents };
  }
  const taxCents = divRound(amountCents * rate.basisPoints, 10_000);
  return { subtotalCents: amountCents, taxCents, totalCents: amountCents + taxCents };
}

export const linesTotal = (lines: readonly InvoiceLine[]) => lines.reduce((sum, l) => sum + l.amountCents, 0);

/** "16 %", "7.5 %": basis points as people read them. */
export const formatPercent = (basisPoints: number) => `${(basisPoints / 100).toString()} %`;
