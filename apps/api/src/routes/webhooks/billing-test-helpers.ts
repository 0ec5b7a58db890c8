import type { Stack } from "../../../../../tests/harness.ts";
import { signStripePayload } from "./billing-events-stripe.ts";

export const WEBHOOK_SECRET = "whsec_test_0123456789abcdef";

let seq = 0;
export function eventId(): string {
  seq += 1;
  return `evt_${Date.now().toString(36)}_${process.pid}_${seq}`;
}

export function subscriptionEvent(
  type: string,
  opts: { id?: string; tenantId?: string; customer?: string; plan?: string; status?: string },
) {
  return {
    id: opts.id ?? eventId(),
    type,
    data: {
      object: {
        id: `sub_${opts.customer ?? "x"}`,
        object: "subscription",
        customer: opts.customer ?? null,
        status: opts.status ?? "active",
        metadata: opts.tenantId ? { tenant_id: opts.tenantId } : {},
        items: { data: [{ price: { lookup_key: opts.plan ?? null } }] },
      },
    },
  };
}

export function invoiceEvent(type: string, opts: { id?: string; customer: string }) {
  return {
    id: opts.id ?? eventId(),
    type,
    data: { object: { id: `in_${opts.customer}`, object: "invoice", customer: opts.customer, subscription: null } },
  };
}

/** Posts an event to the apex as the provider would: the exact bytes, signed with the secret. */
export function deliver(
  stack: Stack,
  event: unknown,
  opts: { secret?: string; timestamp?: number; host?: string; signature?: string } = {},
) {
  const payload = JSON.stringify(event);
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = opts.signature ?? signStripePayload(opts.secret ?? WEBHOOK_SECRET, payload, ts);
  return stack.request("POST", "/api/webhooks/billing", {
    body: payload,
    ...(opts.host ? { host: opts.host } : {}),
    headers: { "content-type": "application/json", "stripe-signature": signature },
  });
}
