import { PaymentInputError, PaymentPayloadError } from "./errors.ts";

// ProxPanel keeps every amount in hundredths of the currency ("cents"). Stripe wants the
// currency's own smallest unit: the same for most, whole units for its zero-decimal currencies
// (UGX, RWF, JPY...), thousandths for the three-decimal ones (which must end in 0).
// Lists from https://docs.stripe.com/currencies.
const ZERO_DECIMAL = new Set([
  "BIF",
  "CLP",
  "DJF",
  "GNF",
  "JPY",
  "KMF",
  "KRW",
  "MGA",
  "PYG",
  "RWF",
  "UGX",
  "VND",
  "VUV",
  "XAF",
  "XOF",
  "XPF",
]);
const THREE_DECIMAL = new Set(["BHD", "JOD", "KWD", "OMR", "TND"]);

/** Our cents → Stripe's unit_amount; refuses a fraction the currency cannot express. */
export function toStripeAmount(amountCents: number, currency: string): number {
  if (THREE_DECIMAL.has(currency)) return amountCents * 10;
  if (!ZERO_DECIMAL.has(currency)) return amountCents;
  if (amountCents % 100 !== 0) {
    throw new PaymentInputError("amountCents", `${currency} has no minor unit: the amount must be a whole number`);
  }
  return amountCents / 100;
}

/** Stripe's amount → our cents. */
export function fromStripeAmount(amount: number, currency: string): number {
  if (ZERO_DECIMAL.has(currency)) return amount * 100;
  if (!THREE_DECIMAL.has(currency)) return amount;
  if (amount % 10 !== 0) throw new PaymentPayloadError(`${currency} amount ${amount} is not a whole number of cents`);
  return amount / 10;
}
