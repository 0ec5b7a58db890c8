import { billingSubscriptions, superAdminAudit, tenants } from "@proxpanel/db";
import { suspendLapsedPastGrace } from "@proxpanel/tenancy";
import { and, eq, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack } from "../../../../../tests/harness.ts";
import { backupHealth } from "../saas/backups-admin.ts";
import { deliver, eventId, invoiceEvent, subscriptionEvent, WEBHOOK_SECRET } from "./billing-test-helpers.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ BILLING_WEBHOOK_SECRET: WEBHOOK_SECRET, BILLING_GRACE_PERIOD_S: "3600" });
});
afterAll(() => stack.close());

const tenantRow = async (id: string) =>
  (await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, id)))[0];
const billingAudit = (id: string) =>
  stack.runtime.deps.db
    .select()
    .from(superAdminAudit)
    .where(and(eq(superAdminAudit.tenantId, id), like(superAdminAudit.actor, "billing:%")))
    .orderBy(superAdminAudit.id);

describe("billing webhook effects", () => {
  it("a started subscription applies the plan, its cap and modules at once, audited", async () => {
    const t = await signupTenant(stack);
    // Warm the resolver cache with the starter plan's modules, so a stale cache would show.
    expect((await stack.request("GET", "/api/resellers", { host: t.host, token: t.token })).status).toBe(200);
    await stack.runtime.deps.db.update(tenants).set({ subscriberCap: 7 }).where(eq(tenants.id, t.id));

    const res = await deliver(
      stack,
      subscriptionEvent("customer.subscription.created", { tenantId: t.id, customer: `cus_${t.slug}`, plan: "pro" }),
    );
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, status: "applied", effect: "plan", tenantId: t.id });
    const row = await tenantRow(t.id);
    expect({ plan: row?.plan, cap: row?.subscriberCap, modules: row?.modules }).toEqual({
      plan: "pro",
      cap: 5000,
      modules: null,
    });
    const actions = (await billingAudit(t.id)).map((a) => a.action);
    expect(actions).toEqual(["tenant.update", "billing.plan"]);

    // Downgrade to trial: its module list lacks resellers, and the cached host must see it now.
    const down = await deliver(
      stack,
      subscriptionEvent("customer.subscription.updated", { customer: `cus_${t.slug}`, plan: "trial" }),
    );
    expect(down.body.status).toBe("applied");
    expect((await tenantRow(t.id))?.plan).toBe("trial");
    const gated = await stack.request("GET", "/api/resellers", { host: t.host, token: t.token });
    expect(gated.status).toBe(403);
    expect(gated.body.error.code).toBe("module_disabled");
    // Backup quota and retention are the plan's: the console's health view shows trial's 100 MB.
    const health = (await backupHealth(stack.runtime.deps)).find((h) => h.tenantId === t.id);
    expect(health?.quotaBytes).toBe(100 * 1024 * 1024);
  });

  it("a lapse suspends only after the grace period; the worker job does it and audits it", async () => {
    const t = await signupTenant(stack);
    const customer = `cus_${t.slug}`;
    await deliver(stack, subscriptionEvent("customer.subscription.created", { tenantId: t.id, customer, plan: "pro" }));
    const lapse = await deliver(stack, invoiceEvent("invoice.payment_failed", { customer }));
    expect(lapse.body).toMatchObject({ status: "applied", effect: "lapse" });
    const sub = (
      await stack.runtime.deps.db.select().from(billingSubscriptions).where(eq(billingSubscriptions.tenantId, t.id))
    )[0];
    expect(sub?.state).toBe("lapsed");
    const graceUntil = sub?.graceUntil?.getTime() ?? 0;
    expect(graceUntil - Date.now()).toBeGreaterThan(3500_000);

    const deps = { db: stack.runtime.deps.db, resolver: stack.runtime.deps.resolver };
    expect(await suspendLapsedPastGrace(deps, new Date(graceUntil - 1000))).not.toContain(t.id);
    expect((await tenantRow(t.id))?.status).toBe("active");
    expect((await stack.request("GET", "/api/auth/me", { host: t.host, token: t.token })).status).toBe(200);

    expect(await suspendLapsedPastGrace(deps, new Date(graceUntil + 1000))).toContain(t.id);
    expect((await tenantRow(t.id))?.status).toBe("suspended");
    const blocked = await stack.request("GET", "/api/auth/me", { host: t.host, token: t.token });
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe("tenant_suspended");
    const actions = (await billingAudit(t.id)).map((a) => a.action);
    expect(actions).toEqual(
      expect.arrayContaining(["billing.lapsed", "tenant.status.suspended", "billing.grace_expired"]),
    );

    // Paying afterwards lifts the suspension billing caused.
    const paid = await deliver(stack, invoiceEvent("invoice.paid", { customer }));
    expect(paid.body).toMatchObject({ status: "applied", effect: "paid" });
    expect((await tenantRow(t.id))?.status).toBe("active");
    expect((await stack.request("GET", "/api/auth/me", { host: t.host, token: t.token })).status).toBe(200);
  });

  it("a payment within the grace period cancels the pending suspension", async () => {
    const t = await signupTenant(stack);
    const customer = `cus_${t.slug}`;
    await deliver(
      stack,
      subscriptionEvent("customer.subscription.created", { tenantId: t.id, customer, plan: "starter" }),
    );
    await deliver(stack, subscriptionEvent("customer.subscription.updated", { customer, status: "past_due" }));
    await deliver(stack, invoiceEvent("invoice.paid", { customer }));
    const far = new Date(Date.now() + 10 * 24 * 3600_000);
    const suspended = await suspendLapsedPastGrace(
      { db: stack.runtime.deps.db, resolver: stack.runtime.deps.resolver },
      far,
    );
    expect(suspended).not.toContain(t.id);
    expect((await tenantRow(t.id))?.status).toBe("active");
    const actions = (await billingAudit(t.id)).map((a) => a.action);
    expect(actions).toContain("billing.paid");
  });

  it("the same event delivered twice, even concurrently, acts once", async () => {
    const t = await signupTenant(stack);
    const event = subscriptionEvent("customer.subscription.created", {
      tenantId: t.id,
      customer: `cus_${t.slug}`,
      plan: "pro",
    });
    const results = await Promise.all(Array.from({ length: 6 }, () => deliver(stack, event)));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const statuses = results.map((r) => r.body.status).sort();
    expect(statuses).toEqual(["applied", "duplicate", "duplicate", "duplicate", "duplicate", "duplicate"]);
    const again = await deliver(stack, event);
    expect(again.body.status).toBe("duplicate");
    const actions = (await billingAudit(t.id)).map((a) => a.action);
    expect(actions.filter((a) => a === "billing.plan")).toHaveLength(1);
  });

  it("an event for no known tenant is refused and not recorded, so the provider's retry can land", async () => {
    const id = eventId();
    const orphan = subscriptionEvent("customer.subscription.created", { id, customer: "cus_nobody", plan: "pro" });
    const res = await deliver(stack, orphan);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe("billing_tenant_unknown");
    const t = await signupTenant(stack);
    const retried = await deliver(stack, {
      ...orphan,
      data: { object: { ...orphan.data.object, metadata: { tenant_id: t.id } } },
    });
    expect(retried.body).toMatchObject({ status: "applied", tenantId: t.id });
  });

  it("events we do not act on are acknowledged and change nothing", async () => {
    const res = await deliver(stack, { id: eventId(), type: "customer.created", data: { object: { id: "cus_1" } } });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe("ignored");
  });
});
