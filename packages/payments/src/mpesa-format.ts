import { PaymentInputError } from "./errors.ts";

// Daraja's formats for Lipa na M-Pesa Online (STK push).

const EAT_OFFSET_MS = 3 * 3600_000; // East Africa Time, UTC+3 all year (no daylight saving)

/** YYYYMMDDHHmmss in Nairobi time: the Timestamp Daraja expects and hashes into the Password. */
export function mpesaTimestamp(at: Date): string {
  const d = new Date(at.getTime() + EAT_OFFSET_MS);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** base64(shortcode + passkey + timestamp). */
export function mpesaPassword(shortcode: string, passkey: string, timestamp: string): string {
  return Buffer.from(`${shortcode}${passkey}${timestamp}`, "utf8").toString("base64");
}

/**
 * A Kenyan mobile number in Daraja's form, 2547XXXXXXXX or 2541XXXXXXXX. Accepts the ways people
 * write it (07…, 01…, +254…, 254…, +254 0…, with spaces or dashes); refuses anything else, since an STK
 * push to a wrong number would prompt a stranger.
 */
export function normaliseKenyanPhone(input: string): string {
  const compact = input.replace(/[\s\-().]/g, "");
  const m = /^(?:\+?2540?|0)([17]\d{8})$/.exec(compact);
  if (!m) {
    throw new PaymentInputError(
      "customer.phone",
      "M-Pesa needs a Kenyan mobile number such as 0712345678, 0112345678 or +254712345678",
    );
  }
  return `254${m[1]}`;
}

/** Our cents → whole shillings; M-Pesa moves KES only and has no cents. */
export function toShillings(amountCents: number, currency: string): number {
  if (currency !== "KES") {
    throw new PaymentInputError("currency", `M-Pesa takes Kenyan shillings (KES) only, not ${currency}`);
  }
  if (amountCents % 100 !== 0) {
    throw new PaymentInputError(
      "amountCents",
      `M-Pesa takes whole shillings only: KES ${(amountCents / 100).toFixed(2)} cannot be charged`,
    );
  }
  return amountCents / 100;
}

/** AccountReference (≤ 12 characters, shown on the subscriber's phone): the start of our payment id. */
export function accountReference(reference: string): string {
  return (
    reference
      .replace(/[^A-Za-z0-9]/g, "")
      .slice(0, 12)
      .toUpperCase() || "PAYMENT"
  );
}

/** TransactionDesc (≤ 13 characters): the description reduced to plain letters and digits. */
export function transactionDesc(description: string): string {
  return (
    description
      .replace(/[^A-Za-z0-9 ]/g, " ")
      .replace(/\s+/g, " ")
      .trim()
      .slice(0, 13)
      .trim() || "Payment"
  );
}
