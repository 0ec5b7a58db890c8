import { describe, expect, it } from "vitest";
import { BillingSignatureError } from "./billing-events-provider.ts";
import { StripeProvider, signStripePayload } from "./billing-events-stripe.ts";

const provider = new StripeProvider("whsec_unit", 300);
const now = new Date("2026-01-01T00:00:00Z");
const ts = Math.floor(now.getTime() / 1000);

function event(type: string, object: Record<string, unknown>) {
  return JSON.stringify({ id: "evt_1", type, data: { object } });
}

describe("Stripe event mapping", () => {
  it("reads the plan from metadata before the price, and the tenant from metadata", () => {
    const e = provider.parse(
      event("customer.subscription.created", {
        id: "sub_1",
        customer: "cus_1",
        status: "active",
        metadata: { tenant_id: "t-1", plan: "pro" },
        items: { data: [{ price: { lookup_key: "starter" } }] },
      }),
    );
    expect(e).toEqual({
      id: "evt_1",
      type: "customer.subscription.created",
      effect: { kind: "plan", plan: "pro" },
      tenantId: "t-1",
      customerId: "cus_1",
      subscriptionId: "sub_1",
    });
    const byPrice = provider.parse(
      event("customer.subscription.updated", {
        id: "sub_1",
        status: "trialing",
        items: { data: [{ price: { lookup_key: "starter" } }] },
      }),
    );
    expect(byPrice.effect).toEqual({ kind: "plan", plan: "starter" });
  });

  it("treats unpaid, cancelled and failed payments as a lapse, and paid invoices as payment", () => {
    const kinds = [
      ["customer.subscription.updated", { status: "past_due" }],
      ["customer.subscription.updated", { status: "canceled" }],
      ["customer.subscription.deleted", { status: "canceled" }],
      ["invoice.payment_failed", { customer: "cus_1", subscription: "sub_1" }],
      ["invoice.paid", { customer: "cus_1" }],
      ["customer.created", {}],
      ["customer.subscription.updated", { status: "incomplete" }],
    ] as const;
    expect(kinds.map(([type, o]) => provider.parse(event(type, o)).effect.kind)).toEqual([
      "lapse",
      "lapse",
      "lapse",
      "lapse",
      "paid",
      "ignore",
      "ignore",
    ]);
    const invoice = provider.parse(event("invoice.paid", { id: "in_1", customer: "cus_1", subscription: "sub_9" }));
    expect(invoice.subscriptionId).toBe("sub_9");
  });

  it("verifies the Stripe scheme: the right secret, the exact body, inside the window", () => {
    const body = event("invoice.paid", { customer: "cus_1" });
    const headers = (sig: string) => new Headers({ "stripe-signature": sig });
    expect(() => provider.verify(body, headers(signStripePayload("whsec_unit", body, ts)), now)).not.toThrow();
    const reasons = [
      headers(signStripePayload("whsec_other", body, ts)),
      headers(signStripePayload("whsec_unit", `${body} `, ts)),
      headers(signStripePayload("whsec_unit", body, ts - 301)),
      headers("t=1"),
      new Headers(),
    ].map((h) => {
      try {
        provider.verify(body, h, now);
        return "accepted";
      } catch (err) {
        return err instanceof BillingSignatureError ? err.reason : "other";
      }
    });
    expect(reasons).toEqual(["mismatch", "mismatch", "stale", "malformed", "missing"]);
  });
});
