import { billingEvents, superAdminAudit, tenants } from "@proxpanel/db";
import { and, eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack } from "../../../../../tests/harness.ts";
import { signStripePayload } from "./billing-events-stripe.ts";
import { deliver, subscriptionEvent, WEBHOOK_SECRET } from "./billing-test-helpers.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ BILLING_WEBHOOK_SECRET: WEBHOOK_SECRET, BILLING_WEBHOOK_TOLERANCE_S: "300" });
});
afterAll(() => stack.close());

async function untouched(tenantId: string, eventId: string) {
  const db = stack.runtime.deps.db;
  const row = (await db.select().from(tenants).where(eq(tenants.id, tenantId)))[0];
  expect(row?.plan).toBe("starter");
  expect(await db.select().from(billingEvents).where(eq(billingEvents.eventId, eventId))).toHaveLength(0);
  const audit = await db
    .select()
    .from(superAdminAudit)
    .where(and(eq(superAdminAudit.tenantId, tenantId), like(superAdminAudit.actor, "billing:%")));
  expect(audit).toHaveLength(0);
}

describe("billing webhook signatures", () => {
  it("refuses a body signed with another secret, and changes nothing", async () => {
    const t = await signupTenant(stack);
    const event = subscriptionEvent("customer.subscription.created", { tenantId: t.id, plan: "pro" });
    expectError(await deliver(stack, event, { secret: "whsec_attacker" }), 400, "webhook_signature_invalid");
    await untouched(t.id, event.id);
  });

  it("refuses a delivery without a signature header as webhook_signature_invalid, as documented", async () => {
    const t = await signupTenant(stack);
    const event = subscriptionEvent("customer.subscription.created", { tenantId: t.id, plan: "pro" });
    const res = await stack.request("POST", "/api/webhooks/billing", { body: JSON.stringify(event) });
    expectError(res, 400, "webhook_signature_invalid");
    await untouched(t.id, event.id);
  });

  it("refuses a genuine signature over a different body (tampered plan)", async () => {
    const t = await signupTenant(stack);
    const event = subscriptionEvent("customer.subscription.created", { tenantId: t.id, plan: "trial" });
    const ts = Math.floor(Date.now() / 1000);
    const signature = signStripePayload(WEBHOOK_SECRET, JSON.stringify(event), ts);
    const tampered = {
      ...event,
      data: { object: { ...event.data.object, items: { data: [{ price: { lookup_key: "pro" } }] } } },
    };
    expectError(await deliver(stack, tampered, { signature }), 400, "webhook_signature_invalid");
    await untouched(t.id, event.id);
  });

  it("refuses missing, malformed and unsigned headers", async () => {
    const event = subscriptionEvent("customer.subscription.created", { plan: "pro" });
    const noHeader = await stack.request("POST", "/api/webhooks/billing", { body: JSON.stringify(event) });
    expectError(noHeader, 400, "webhook_signature_invalid");
    for (const signature of ["garbage", "t=123", `v1=${"a".repeat(64)}`, `t=abc,v1=${"a".repeat(64)}`]) {
      expectError(await deliver(stack, event, { signature }), 400, "webhook_signature_invalid");
    }
  });

  it("refuses stale and future timestamps (a captured delivery replayed later)", async () => {
    const t = await signupTenant(stack);
    const event = subscriptionEvent("customer.subscription.created", { tenantId: t.id, plan: "pro" });
    const now = Math.floor(Date.now() / 1000);
    // A minute past the 300 s tolerance either way: with one second, a delivery the loaded CI
    // machine answered a second later fell back inside the window and was applied.
    expectError(await deliver(stack, event, { timestamp: now - 360 }), 400, "webhook_timestamp_stale");
    expectError(await deliver(stack, event, { timestamp: now + 360 }), 400, "webhook_timestamp_stale");
    await untouched(t.id, event.id);
    // Inside the window the same bytes are accepted once; a replay inside it is only a duplicate.
    expect((await deliver(stack, event, { timestamp: now - 200 })).body.status).toBe("applied");
    expect((await deliver(stack, event, { timestamp: now - 100 })).body.status).toBe("duplicate");
  });

  it("accepts a header carrying several v1 values when one matches (secret rotation)", async () => {
    const t = await signupTenant(stack);
    const event = subscriptionEvent("customer.subscription.created", { tenantId: t.id, plan: "pro" });
    const ts = Math.floor(Date.now() / 1000);
    const good = signStripePayload(WEBHOOK_SECRET, JSON.stringify(event), ts).split(",v1=")[1];
    const other = signStripePayload("whsec_old", JSON.stringify(event), ts).split(",v1=")[1];
    const res = await deliver(stack, event, { signature: `t=${ts},v1=${other},v0=ignored,v1=${good}` });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("applied");
  });
});

describe("billing webhook reachability", () => {
  it("answers on the apex only: a tenant host gets the bare 404", async () => {
    const t = await signupTenant(stack);
    const event = subscriptionEvent("customer.subscription.created", { tenantId: t.id, plan: "pro" });
    const res = await deliver(stack, event, { host: t.host });
    expectError(res, 404, "not_found");
    await untouched(t.id, event.id);
  });

  it("refuses everything when no secret is configured", async () => {
    const bare = await startStack();
    try {
      const event = subscriptionEvent("customer.subscription.created", { plan: "pro" });
      expectError(await deliver(bare, event), 503, "service_unavailable");
    } finally {
      await bare.close();
    }
  });
});

describe("billing customers belong to one tenant", () => {
  it("refuses an event that would attach one tenant's customer to another tenant, and changes neither", async () => {
    const [a, b] = [await signupTenant(stack), await signupTenant(stack)];
    const customer = `cus_${a.slug}`;
    const first = await deliver(
      stack,
      subscriptionEvent("customer.subscription.created", { tenantId: a.id, customer, plan: "pro" }),
    );
    expect(first.body).toMatchObject({ status: "applied", tenantId: a.id });

    const stolen = subscriptionEvent("customer.subscription.created", { tenantId: b.id, customer, plan: "pro" });
    const res = await deliver(stack, stolen);
    expectError(res, 409, "billing_customer_conflict");
    expect(res.body.error.message).toContain(customer);
    await untouched(b.id, stolen.id);
    // Events for that customer still reach the tenant it belongs to.
    const again = await deliver(stack, subscriptionEvent("customer.subscription.updated", { customer, plan: "trial" }));
    expect(again.body).toMatchObject({ status: "applied", tenantId: a.id });
  });
});
