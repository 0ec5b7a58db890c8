import { z } from "zod";
import { PaymentPayloadError } from "./errors.ts";
import { fromStripeAmount } from "./money.ts";
import type { PaymentOutcome, QueryOutcome } from "./types.ts";

// The few fields of a Checkout Session we read (https://docs.stripe.com/api/checkout/sessions/object);
// the rest of Stripe's object passes through untouched.
export const checkoutSession = z.looseObject({
  id: z.string().min(1).max(255),
  object: z.literal("checkout.session"),
  amount_total: z.number().int().nonnegative().nullish(),
  currency: z
    .string()
    .regex(/^[a-zA-Z]{3}$/)
    .nullish(),
  payment_status: z.string().max(64),
  status: z.string().max(64).nullish(),
  // A string, or the object itself when the caller expanded it.
  payment_intent: z.union([z.string(), z.looseObject({ id: z.string() })]).nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  url: z.string().nullish(),
});
export type CheckoutSession = z.infer<typeof checkoutSession>;

const event = z.looseObject({
  id: z.string().min(1).max(255),
  object: z.literal("event").optional(),
  type: z.string().min(1).max(255),
  data: z.looseObject({ object: z.unknown() }),
});

const SESSION_EVENTS = new Set([
  "checkout.session.completed",
  "checkout.session.async_payment_succeeded",
  "checkout.session.async_payment_failed",
  "checkout.session.expired",
]);

function paid(s: CheckoutSession, eventId: string): PaymentOutcome {
  if (s.amount_total == null || !s.currency) {
    throw new PaymentPayloadError("A paid Checkout Session without amount_total or currency");
  }
  const currency = s.currency.toUpperCase();
  const txn = typeof s.payment_intent === "string" ? s.payment_intent : s.payment_intent?.id;
  return {
    kind: "succeeded",
    providerRef: s.id,
    amountCents: fromStripeAmount(s.amount_total, currency),
    currency,
    ...(txn ? { providerTxnId: txn } : {}),
    eventId,
  };
}

/** A verified webhook body → outcome. Only sessions we started (metadata.payment_id) count. */
export function outcomeOfEvent(rawBody: string): PaymentOutcome {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw new PaymentPayloadError("The Stripe webhook body is not JSON");
  }
  const e = event.safeParse(json);
  if (!e.success) throw new PaymentPayloadError("The Stripe webhook body is not an event");
  const { id, type } = e.data;
  if (!SESSION_EVENTS.has(type)) return { kind: "ignored", reason: `event type ${type}` };
  const parsed = checkoutSession.safeParse(e.data.data.object);
  if (!parsed.success) throw new PaymentPayloadError(`The ${type} event does not carry a Checkout Session`);
  const s = parsed.data;
  // The webhook is account-wide: the tenant's other Stripe business arrives here too.
  if (!s.metadata?.payment_id) return { kind: "ignored", reason: "a Checkout Session not started by ProxPanel" };
  switch (type) {
    case "checkout.session.completed":
      if (s.payment_status === "paid") return paid(s, id);
      return { kind: "ignored", reason: `session completed with payment_status ${s.payment_status}` };
    case "checkout.session.async_payment_succeeded":
      return paid(s, id);
    case "checkout.session.async_payment_failed":
      return { kind: "failed", providerRef: s.id, reason: "the payment failed", eventId: id };
    default:
      return { kind: "failed", providerRef: s.id, reason: "the checkout session expired", eventId: id };
  }
}

/** A session fetched from the API → its current state (an async payment in flight is pending). */
export function outcomeOfSession(s: CheckoutSession): QueryOutcome {
  const eventId = `stripe:${s.id}`;
  if (s.status === "expired")
    return { kind: "failed", providerRef: s.id, reason: "the checkout session expired", eventId };
  if (s.status === "complete" && s.payment_status === "paid") return paid(s, eventId);
  return { kind: "pending" };
}
