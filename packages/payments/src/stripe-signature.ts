import { createHmac, timingSafeEqual } from "node:crypto";
import { PaymentSignatureError } from "./errors.ts";

/** Stripe's default: a delivery older (or newer) than this is refused, which bounds replays. */
export const STRIPE_TOLERANCE_S = 300;

function headerValue(headers: Record<string, string | undefined>, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === name) return value;
  return undefined;
}

function parseHeader(header: string): { t: number; v1: Buffer[] } {
  let t = Number.NaN;
  const v1: Buffer[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq === -1) continue;
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t" && /^\d{1,12}$/.test(value)) t = Number(value);
    // v0 and other schemes are ignored, as Stripe's libraries do; only a SHA-256 MAC counts.
    else if (key === "v1" && /^[0-9a-f]{64}$/i.test(value)) v1.push(Buffer.from(value, "hex"));
  }
  if (!Number.isFinite(t) || v1.length === 0) {
    throw new PaymentSignatureError("malformed", "Stripe-Signature needs t=<timestamp> and at least one v1=<hmac>");
  }
  return { t, v1 };
}

/**
 * Stripe's scheme (https://docs.stripe.com/webhooks#verify-manually): HMAC-SHA256 with the
 * endpoint secret over "<t>.<raw body>". Several v1 values appear while the secret is rolled; one
 * match is enough.
 */
export function verifyStripeSignature(
  headers: Record<string, string | undefined>,
  rawBody: string,
  secret: string,
  now: Date,
  toleranceS = STRIPE_TOLERANCE_S,
): void {
  const header = headerValue(headers, "stripe-signature");
  if (!header) throw new PaymentSignatureError("missing", "The Stripe-Signature header is missing");
  const { t, v1 } = parseHeader(header);
  const expected = createHmac("sha256", secret).update(`${t}.${rawBody}`, "utf8").digest();
  // Every candidate is compared in constant time and without an early exit.
  let ok = false;
  for (const candidate of v1) if (timingSafeEqual(expected, candidate)) ok = true;
  if (!ok) throw new PaymentSignatureError("mismatch", "The Stripe signature does not match the payload");
  // After the MAC, so an unsigned request learns nothing about our clock.
  if (Math.abs(now.getTime() / 1000 - t) > toleranceS) {
    throw new PaymentSignatureError("stale", "The Stripe signature timestamp is outside the accepted window");
  }
}
