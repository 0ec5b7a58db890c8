import { createHmac } from "node:crypto";
import { PaymentSignatureError, verifyStripeSignature } from "@proxpanel/payments";
import { z } from "zod";
import {
  type BillingEffect,
  type BillingEvent,
  type BillingProvider,
  BillingSignatureError,
} from "./billing-events-provider.ts";

/** The header a Stripe-compatible sender puts on every delivery. */
export const STRIPE_SIGNATURE_HEADER = "stripe-signature";

/** `t=<unix seconds>,v1=<hex hmac-sha256(secret, "<t>.<raw body>")>` — what a sender computes. */
export function signStripePayload(secret: string, payload: string, timestamp: number): string {
  const mac = createHmac("sha256", secret).update(`${timestamp}.${payload}`).digest("hex");
  return `t=${timestamp},v1=${mac}`;
}

const metadata = z.record(z.string(), z.string()).nullish();
const object = z.looseObject({
  id: z.string().optional(),
  object: z.string().optional(),
  customer: z.string().nullish(),
  subscription: z.string().nullish(),
  status: z.string().optional(),
  metadata,
  items: z
    .looseObject({
      data: z.array(z.looseObject({ price: z.looseObject({ lookup_key: z.string().nullish(), metadata }).nullish() })),
    })
    .optional(),
  // Invoices carry the subscription's metadata here.
  subscription_details: z.looseObject({ metadata }).nullish(),
});
const envelope = z.looseObject({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  data: z.looseObject({ object }),
});

const LIVE_STATUSES = new Set(["active", "trialing"]);
const LAPSED_STATUSES = new Set(["past_due", "unpaid", "canceled", "incomplete_expired", "paused"]);

function planOf(o: z.infer<typeof object>): string | null {
  const price = o.items?.data[0]?.price;
  return o.metadata?.plan ?? price?.metadata?.plan ?? price?.lookup_key ?? null;
}

function effectOf(type: string, o: z.infer<typeof object>): BillingEffect {
  switch (type) {
    case "customer.subscription.created":
    case "customer.subscription.updated":
    case "customer.subscription.resumed": {
      if (o.status && LAPSED_STATUSES.has(o.status)) return { kind: "lapse" };
      const plan = planOf(o);
      if (plan && (!o.status || LIVE_STATUSES.has(o.status))) return { kind: "plan", plan };
      return { kind: "ignore" };
    }
    case "customer.subscription.deleted":
    case "customer.subscription.paused":
    case "invoice.payment_failed":
      return { kind: "lapse" };
    case "invoice.paid":
    case "invoice.payment_succeeded":
      return { kind: "paid" };
    default:
      return { kind: "ignore" };
  }
}

/**
 * Stripe's scheme: HMAC-SHA256 over "<t>.<raw body>"; several v1 values may be present while the
 * sender rolls its secret, and one match is enough. The timestamp bounds how long a captured
 * delivery can be replayed.
 */
export class StripeProvider implements BillingProvider {
  readonly name = "stripe";

  constructor(
    private readonly secret: string,
    private readonly toleranceS: number,
  ) {}

  verify(rawBody: string, headers: Headers, now: Date): void {
    // The same check tenants' Stripe payment webhooks get (@proxpanel/payments), with this
    // endpoint's secret and tolerance; its reasons carry over as they are.
    const all: Record<string, string> = {};
    headers.forEach((value, key) => {
      all[key] = value;
    });
    try {
      verifyStripeSignature(all, rawBody, this.secret, now, this.toleranceS);
    } catch (err) {
      if (!(err instanceof PaymentSignatureError)) throw err;
      const reason =
        err.reason === "missing" || err.reason === "malformed" || err.reason === "stale" ? err.reason : "mismatch";
      throw new BillingSignatureError(reason, `${err.message}.`);
    }
  }

  parse(rawBody: string): BillingEvent {
    const e = envelope.parse(JSON.parse(rawBody));
    const o = e.data.object;
    const meta = o.metadata ?? o.subscription_details?.metadata ?? null;
    const isSubscription = o.object === "subscription" || e.type.startsWith("customer.subscription.");
    return {
      id: e.id,
      type: e.type,
      effect: effectOf(e.type, o),
      tenantId: meta?.tenant_id ?? null,
      customerId: o.customer ?? null,
      subscriptionId: (isSubscription ? o.id : o.subscription) ?? null,
    };
  }
}
