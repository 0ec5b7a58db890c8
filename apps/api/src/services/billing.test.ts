import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, superAdminSession, type TestTenant } from "../../../../tests/harness.ts";
import type { TenantContext } from "../env.ts";
import { renewSubscriber } from "./billing.ts";
import type { ServiceCtx } from "./context.ts";

let stack: Stack;
let a: TestTenant;
let tenant: TenantContext;
const DAY = 86_400_000;

beforeAll(async () => {
  stack = await startStack();
  a = await signupTenant(stack);
  const row = (await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, a.id)))[0];
  if (!row) throw new Error("tenant row missing");
  tenant = { ...stack.runtime.deps.tenantClients.get(row.schemaName), id: a.id, slug: a.slug };
});
afterAll(() => stack.close());

const ctx = (): ServiceCtx => ({
  tenant,
  db: tenant.db,
  actor: { userId: null, resellerId: null, permissions: ["*"], label: "test", ip: null, requestId: null },
});
const req = (method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: a.host, token: a.token, body });

let seq = 0;
async function plan(priceCents: number, validityDays = 30) {
  seq += 1;
  const [p] = await tenant.db
    .insert(tenant.t.servicePlans)
    .values({ name: `plan-${seq}`, downloadKbps: 10_000, uploadKbps: 5_000, priceCents, validityDays })
    .returning();
  if (!p) throw new Error("no plan");
  return p;
}
async function subscriber(v: Partial<typeof tenant.t.subscribers.$inferInsert> = {}) {
  seq += 1;
  const [s] = await tenant.db
    .insert(tenant.t.subscribers)
    .values({ username: `sub-${seq}`, passwordEnc: "x", ...v })
    .returning();
  if (!s) throw new Error("no subscriber");
  return s;
}
const load = async (id: string) =>
  (await tenant.db.select().from(tenant.t.subscribers).where(eq(tenant.t.subscribers.id, id)))[0];
const txOf = (id: string) =>
  tenant.db.select().from(tenant.t.transactions).where(eq(tenant.t.transactions.subscriberId, id));
const invoicesOf = (id: string) =>
  tenant.db.select().from(tenant.t.invoices).where(eq(tenant.t.invoices.subscriberId, id));

describe("balances under concurrency", () => {
  it("applies 50 parallel payments and adjustments on one subscriber without losing any", async () => {
    const s = await subscriber({ balanceCents: 10_000 });
    const invoices = await Promise.all(
      Array.from({ length: 25 }, () =>
        req("POST", "/api/invoices", { subscriberId: s.id, amountCents: 1_000, description: "install" }),
      ),
    );
    for (const r of invoices) expect(r.status).toBe(201);
    const results = await Promise.all([
      // Each pays 1,500 against 1,000: the 500 overpayment is credited.
      ...invoices.map((r) => req("POST", `/api/invoices/${r.body.invoice.id}/payments`, { amountCents: 1_500 })),
      ...Array.from({ length: 15 }, () =>
        req("POST", "/api/transactions/adjustments", { subscriberId: s.id, amountCents: 300, description: "goodwill" }),
      ),
      ...Array.from({ length: 10 }, () =>
        req("POST", "/api/transactions/adjustments", { subscriberId: s.id, amountCents: -100, description: "fee" }),
      ),
    ]);
    for (const r of results) expect(r.status).toBe(201);
    const expected = 10_000 + 25 * 500 + 15 * 300 - 10 * 100;
    expect((await load(s.id))?.balanceCents).toBe(expected);

    // Row ids follow the row lock's order, so balance_after must chain exactly. Each invoice paid
    // with money writes two rows: the payment received and the charge that settles the invoice.
    const rows = (await txOf(s.id)).sort((x, y) => x.id - y.id);
    expect(rows).toHaveLength(25 * 2 + 15 + 10);
    let running = 10_000;
    for (const row of rows) {
      running += row.amountCents;
      expect(row.balanceAfterCents).toBe(running);
    }
    expect(running).toBe(expected);
    expect((await invoicesOf(s.id)).every((i) => i.status === "paid" && i.paidAt)).toBe(true);
  });

  it("lets exactly one of ten parallel payments settle the same invoice", async () => {
    const s = await subscriber({ balanceCents: 0 });
    const inv = await req("POST", "/api/invoices", { subscriberId: s.id, amountCents: 700, description: "router" });
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        req("POST", `/api/invoices/${inv.body.invoice.id}/payments`, { amountCents: 1_000 }),
      ),
    );
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 201)) expectError(r, 409, "conflict");
    expect((await load(s.id))?.balanceCents).toBe(300);
    expect((await txOf(s.id)).map((x) => [x.type, x.amountCents]).sort()).toEqual([
      ["invoice_charge", -700],
      ["payment", 1_000],
    ]);
  });

  it("refuses a debit below zero with insufficient_balance and changes nothing", async () => {
    const s = await subscriber({ balanceCents: 50 });
    const res = await req("POST", "/api/transactions/adjustments", {
      subscriberId: s.id,
      amountCents: -51,
      description: "too much",
    });
    expectError(res, 409, "insufficient_balance");
    expect((await load(s.id))?.balanceCents).toBe(50);
    expect(await txOf(s.id)).toHaveLength(0);

    const inv = await req("POST", "/api/invoices", { subscriberId: s.id, amountCents: 100, description: "x" });
    expectError(
      await req("POST", `/api/invoices/${inv.body.invoice.id}/payments`, { fromBalance: true }),
      409,
      "insufficient_balance",
    );
    const after = await req("GET", `/api/invoices/${inv.body.invoice.id}`);
    expect(after.body.invoice.status).toBe("unpaid");
    expect((await load(s.id))?.balanceCents).toBe(50);
  });
});

describe("invoices and transactions over HTTP", () => {
  it("pays from the balance: a charge of the invoice, no money received, the invoice paid", async () => {
    const s = await subscriber({ balanceCents: 2_000 });
    const inv = await req("POST", "/api/invoices", { subscriberId: s.id, amountCents: 1_200, description: "dish" });
    const paid = await req("POST", `/api/invoices/${inv.body.invoice.id}/payments`, { fromBalance: true });
    expect(paid.status).toBe(201);
    expect(paid.body.invoice.status).toBe("paid");
    expect(paid.body.transaction).toMatchObject({
      type: "invoice_charge",
      amountCents: -1_200,
      balanceAfterCents: 800,
    });
    expect(paid.body.payment).toBeNull();
    expect((await load(s.id))?.balanceCents).toBe(800);
    const again = await req("POST", `/api/invoices/${inv.body.invoice.id}/payments`, {});
    expectError(again, 409, "conflict");
    expect((await load(s.id))?.balanceCents).toBe(800);
  });

  // Less than the amount is a part payment now (routes/invoices/credit-notes.test.ts).
  it("refuses a void invoice and unknown ids, leaving data unchanged", async () => {
    const s = await subscriber({ balanceCents: 0 });
    const inv = await req("POST", "/api/invoices", { subscriberId: s.id, amountCents: 1_000, description: "x" });
    expect((await req("POST", `/api/invoices/${inv.body.invoice.id}/void`)).body.invoice.status).toBe("void");
    expectError(await req("POST", `/api/invoices/${inv.body.invoice.id}/payments`, {}), 409, "conflict");
    expectError(await req("POST", `/api/invoices/${crypto.randomUUID()}/payments`, {}), 404, "not_found");
    expectError(
      await req("POST", "/api/invoices", { subscriberId: crypto.randomUUID(), amountCents: 1, description: "x" }),
      404,
      "not_found",
    );
    const bad = await req("POST", "/api/transactions/adjustments", {
      subscriberId: s.id,
      amountCents: 0,
      description: "",
    });
    expectError(bad, 400, "validation_error");
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(["amountCents", "description"]);
    expect((await load(s.id))?.balanceCents).toBe(0);
    expect(await txOf(s.id)).toHaveLength(0);
    expect((await invoicesOf(s.id)).map((i) => i.status)).toEqual(["void"]);
  });

  it("lists invoices filtered by status, subscriber and date range, page by page", async () => {
    const s = await subscriber();
    const made = [];
    for (let i = 0; i < 5; i++) {
      made.push(
        (await req("POST", "/api/invoices", { subscriberId: s.id, amountCents: 100 + i, description: `n${i}` })).body
          .invoice,
      );
    }
    await req("POST", `/api/invoices/${made[0].id}/payments`, {});
    const p1 = await req(
      "GET",
      `/api/invoices?subscriberId=${s.id}&status=unpaid&limit=3&page=1&sort=amount&order=asc`,
    );
    const p2 = await req(
      "GET",
      `/api/invoices?subscriberId=${s.id}&status=unpaid&limit=3&page=2&sort=amount&order=asc`,
    );
    expect(p1.body.total).toBe(4);
    expect([...p1.body.items, ...p2.body.items].map((i: { amountCents: number }) => i.amountCents)).toEqual([
      101, 102, 103, 104,
    ]);
    expect(p1.body.items[0].subscriberUsername).toBe(s.username);
    const future = new Date(Date.now() + DAY).toISOString();
    expect((await req("GET", `/api/invoices?subscriberId=${s.id}&from=${future}`)).body.total).toBe(0);
    expect((await req("GET", `/api/invoices?subscriberId=${s.id}&to=${future}`)).body.total).toBe(5);
    expectError(await req("GET", "/api/invoices?status=lost"), 400, "validation_error");

    const pay = await req("POST", "/api/transactions/payments", {
      subscriberId: s.id,
      amountCents: 900,
      description: "cash",
    });
    expect(pay.body.transaction).toMatchObject({ type: "payment", amountCents: 900, balanceAfterCents: 900 });
    const tx = await req("GET", `/api/transactions?subscriberId=${s.id}&type=payment`);
    expect(tx.body.total).toBe(2);
  });
});

describe("money received", () => {
  it("records a cash payment as the amount received, and an overpayment as credit", async () => {
    const s = await subscriber({ balanceCents: 0 });
    const inv = await req("POST", "/api/invoices", { subscriberId: s.id, amountCents: 1_500, description: "May" });
    const paid = await req("POST", `/api/invoices/${inv.body.invoice.id}/payments`, {});
    expect(paid.status).toBe(201);
    expect(paid.body.payment).toMatchObject({ type: "payment", amountCents: 1_500, balanceAfterCents: 1_500 });
    expect(paid.body.transaction).toMatchObject({ type: "invoice_charge", amountCents: -1_500, balanceAfterCents: 0 });
    const inv2 = await req("POST", "/api/invoices", { subscriberId: s.id, amountCents: 1_500, description: "June" });
    const over = await req("POST", `/api/invoices/${inv2.body.invoice.id}/payments`, { amountCents: 2_000 });
    expect(over.body.payment.amountCents).toBe(2_000);
    expect((await load(s.id))?.balanceCents).toBe(500);
    const received = (await req("GET", `/api/transactions?subscriberId=${s.id}&type=payment`)).body.items;
    expect(received.map((t: { amountCents: number }) => t.amountCents).sort()).toEqual([1_500, 2_000]);
  });

  it("counts revenue once, the same on the dashboard's endpoint and in the console's report", async () => {
    const t = await signupTenant(stack);
    const as = (method: string, path: string, body?: unknown) =>
      stack.request(method, path, { host: t.host, token: t.token, body });
    const planRes = await as("POST", "/api/plans", { name: "Rev", downloadKbps: 1, uploadKbps: 1, priceCents: 700 });
    const sub = (
      await as("POST", "/api/subscribers", { username: "rev1", password: "pass1234", planId: planRes.body.plan.id })
    ).body.subscriber;
    const inv = await as("POST", "/api/invoices", { subscriberId: sub.id, amountCents: 1_500, description: "cash" });
    await as("POST", `/api/invoices/${inv.body.invoice.id}/payments`, {});
    await as("POST", "/api/transactions/payments", { subscriberId: sub.id, amountCents: 700, description: "top-up" });
    // Paid from the balance: moves money already counted.
    expect((await as("POST", `/api/subscribers/${sub.id}/renew`)).status).toBe(200);
    const dashboard = await as("GET", "/api/transactions/revenue");
    expect(dashboard.status).toBe(200);
    expect(dashboard.body.revenueCents).toBe(2_200);
    const { token } = await superAdminSession(stack);
    const from = dashboard.body.from.slice(0, 10);
    const to = new Date(Date.now() + DAY).toISOString().slice(0, 10);
    const report = await stack.request("GET", `/api/saas/reports/usage?from=${from}&to=${to}&tenantId=${t.id}`, {
      token,
    });
    expect(report.status).toBe(200);
    expect(report.body.rows[0].revenueCents).toBe(dashboard.body.revenueCents);
  });
});

describe("renewSubscriber", () => {
  it("extends an expired subscriber from now, reactivates it, and writes invoice, transaction and audit", async () => {
    const p = await plan(2_000, 30);
    const s = await subscriber({
      planId: p.id,
      balanceCents: 5_000,
      status: "expired",
      expiresAt: new Date(Date.now() - 5 * DAY),
    });
    const t0 = Date.now();
    const out = await renewSubscriber({ ctx: ctx(), input: { subscriberId: s.id } });
    const t1 = Date.now();
    const row = await load(s.id);
    expect(row?.status).toBe("active");
    expect(row?.balanceCents).toBe(3_000);
    const exp = row?.expiresAt?.getTime() ?? 0;
    expect(exp).toBeGreaterThanOrEqual(t0 + 30 * DAY);
    expect(exp).toBeLessThanOrEqual(t1 + 30 * DAY);
    expect(out.invoice).toMatchObject({ amountCents: 2_000, status: "paid", subscriberId: s.id });
    expect(out.invoice.periodEnd?.getTime()).toBe(exp);
    expect(out.transaction).toMatchObject({
      type: "renewal",
      amountCents: -2_000,
      balanceAfterCents: 3_000,
      invoiceId: out.invoice.id,
    });
    expect(out.subscriber).not.toHaveProperty("passwordEnc");
    const audit = await tenant.db.select().from(tenant.t.auditLogs).where(eq(tenant.t.auditLogs.entityId, s.id));
    expect(audit.map((x) => x.action)).toContain("subscriber.renew");
  });

  it("extends a still-valid subscriber from its current expiry, exactly", async () => {
    const p = await plan(1_000, 7);
    const expiresAt = new Date(Date.now() + 10 * DAY);
    const s = await subscriber({ planId: p.id, balanceCents: 1_000, expiresAt, status: "disabled" });
    await renewSubscriber({ ctx: ctx(), input: { subscriberId: s.id } });
    const row = await load(s.id);
    expect(row?.expiresAt?.getTime()).toBe(expiresAt.getTime() + 7 * DAY);
    expect(row?.status).toBe("disabled"); // renewal pays; it does not override an operator's block
    expect(row?.balanceCents).toBe(0);
  });

  it("refuses with insufficient_balance and leaves subscriber, invoices and transactions unchanged", async () => {
    const p = await plan(2_000);
    const expiresAt = new Date(Date.now() - DAY);
    const s = await subscriber({ planId: p.id, balanceCents: 1_999, status: "expired", expiresAt });
    await expect(renewSubscriber({ ctx: ctx(), input: { subscriberId: s.id } })).rejects.toMatchObject({
      status: 409,
      code: "insufficient_balance",
    });
    const row = await load(s.id);
    expect(row).toMatchObject({ balanceCents: 1_999, status: "expired", expiresAt });
    expect(await invoicesOf(s.id)).toHaveLength(0);
    expect(await txOf(s.id)).toHaveLength(0);
  });

  it("serialises parallel renewals: only as many as the balance covers, each adding a full period", async () => {
    const p = await plan(1_000, 30);
    const start = new Date(Date.now() + DAY);
    const s = await subscriber({ planId: p.id, balanceCents: 3_500, expiresAt: start });
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => renewSubscriber({ ctx: ctx(), input: { subscriberId: s.id } })),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(3);
    const row = await load(s.id);
    expect(row?.balanceCents).toBe(500);
    expect(row?.expiresAt?.getTime()).toBe(start.getTime() + 90 * DAY);
    expect(await invoicesOf(s.id)).toHaveLength(3);
  });

  it("refuses a subscriber without a plan or unknown, with the stable codes", async () => {
    const s = await subscriber({ balanceCents: 10_000 });
    await expect(renewSubscriber({ ctx: ctx(), input: { subscriberId: s.id } })).rejects.toMatchObject({
      status: 409,
      code: "conflict",
    });
    await expect(renewSubscriber({ ctx: ctx(), input: { subscriberId: crypto.randomUUID() } })).rejects.toMatchObject({
      status: 404,
      code: "not_found",
    });
    expect((await load(s.id))?.balanceCents).toBe(10_000);
  });
});
