import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { createInvoice } from "../../services/billing.ts";
import type { ServiceCtx } from "../../services/context.ts";
import { inTransaction } from "../../services/context.ts";
import { expectError, systemCtx } from "../settings/test-support.ts";

let stack: Stack;
let a: TestTenant;
let ctx: ServiceCtx;

beforeAll(async () => {
  stack = await startStack();
  a = await signupTenant(stack);
  ctx = await systemCtx(stack, a);
});
afterAll(() => stack.close());

const req = (method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: a.host, token: a.token, body });

let seq = 0;
async function subscriber() {
  seq += 1;
  const [s] = await ctx.tenant.db
    .insert(ctx.tenant.t.subscribers)
    .values({ username: `bill-${seq}`, passwordEnc: "x" })
    .returning();
  if (!s) throw new Error("no subscriber");
  return s;
}

describe("tax rates", () => {
  it("creates, lists, edits and deletes rates, with one default at most", async () => {
    const vat = await req("POST", "/api/billing/tax-rates", { name: "VAT", basisPoints: 1600, isDefault: true });
    expect(vat.status).toBe(201);
    expect(vat.body.taxRate).toMatchObject({ name: "VAT", basisPoints: 1600, inclusive: false, isDefault: true });
    const gst = await req("POST", "/api/billing/tax-rates", {
      name: "GST",
      basisPoints: 750,
      inclusive: true,
      isDefault: true,
    });
    expect(gst.status).toBe(201);
    const list = await req("GET", "/api/billing/tax-rates");
    expect(list.body.items.map((r: { name: string; isDefault: boolean }) => [r.name, r.isDefault])).toEqual([
      ["GST", true],
      ["VAT", false],
    ]);
    expectError(await req("POST", "/api/billing/tax-rates", { name: "vat", basisPoints: 1 }), 409, "conflict");
    expectError(
      await req("POST", "/api/billing/tax-rates", { name: "Big", basisPoints: 10_001 }),
      400,
      "validation_error",
    );
    const edited = await req("PATCH", `/api/billing/tax-rates/${vat.body.taxRate.id}`, { isDefault: true });
    expect(edited.body.taxRate.isDefault).toBe(true);
    expect((await req("DELETE", `/api/billing/tax-rates/${gst.body.taxRate.id}`)).status).toBe(204);
    expectError(await req("DELETE", `/api/billing/tax-rates/${gst.body.taxRate.id}`), 404, "not_found");
  });

  it("puts the default rate on a new invoice, keeps amount_cents the total, and takes lines", async () => {
    const s = await subscriber();
    const r = await req("POST", "/api/invoices", { subscriberId: s.id, amountCents: 1_000, description: "Install" });
    expect(r.status).toBe(201);
    expect(r.body.invoice).toMatchObject({
      subtotalCents: 1_000,
      taxCents: 160,
      amountCents: 1_160,
      taxName: "VAT",
      taxBasisPoints: 1600,
      taxInclusive: false,
      lines: [{ description: "Install", quantity: 1, unitCents: 1_000, amountCents: 1_000 }],
    });
    const inclusive = await req("POST", "/api/billing/tax-rates", { name: "Incl", basisPoints: 1600, inclusive: true });
    const lines = await req("POST", "/api/invoices", {
      subscriberId: s.id,
      description: "Equipment",
      taxRateId: inclusive.body.taxRate.id,
      lines: [
        { description: "Router", quantity: 1, unitCents: 5_800 },
        { description: "Cable", quantity: 2, unitCents: 0 },
      ],
    });
    expect(lines.status).toBe(201);
    expect(lines.body.invoice).toMatchObject({ amountCents: 5_800, subtotalCents: 5_000, taxCents: 800 });
    const none = await req("POST", "/api/invoices", {
      subscriberId: s.id,
      amountCents: 300,
      description: "x",
      taxRateId: null,
    });
    expect(none.body.invoice).toMatchObject({ amountCents: 300, taxCents: 0, taxName: null });
    expectError(
      await req("POST", "/api/invoices", {
        subscriberId: s.id,
        amountCents: 3,
        description: "x",
        taxRateId: crypto.randomUUID(),
      }),
      400,
      "validation_error",
    );
    expectError(
      await req("POST", "/api/invoices", { subscriberId: s.id, description: "neither" }),
      400,
      "validation_error",
    );
  });
});

describe("billing settings", () => {
  it("has defaults, takes partial edits (legal details merged) and audits them", async () => {
    const before = await req("GET", "/api/billing/settings");
    expect(before.body).toMatchObject({ invoiceDaysBefore: 3, graceDays: 7, suspendOnNonPayment: true });
    const after = await req("PATCH", "/api/billing/settings", { graceDays: 5, legal: { taxId: "P051234567X" } });
    expect(after.status).toBe(200);
    expect(after.body).toMatchObject({
      graceDays: 5,
      invoiceDaysBefore: 3,
      legal: { taxId: "P051234567X", address: "" },
    });
    expectError(await req("PATCH", "/api/billing/settings", { graceDays: -1 }), 400, "validation_error");
    const audit = await req("GET", "/api/audit-logs?action=settings.billing");
    expect(audit.status).toBe(200);
  });
});

describe("gapless invoice numbers", () => {
  it("gives 50 concurrent creations, a third of them rolled back, the numbers 1..N with no gap or duplicate", async () => {
    const s = await subscriber();
    const { t } = ctx.tenant;
    const start =
      (await ctx.tenant.db.select({ n: t.documentCounters.lastNumber }).from(t.documentCounters))[0]?.n ?? 0;
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        inTransaction(ctx, async (tx) => {
          const inv = await createInvoice({
            ctx: tx,
            input: { subscriberId: s.id, amountCents: 100, description: `n${i}` },
          });
          // Something later in the same transaction fails: the number must go back with it.
          if (i % 3 === 0) throw new Error("rolled back on purpose");
          return inv.number;
        }),
      ),
    );
    const kept = outcomes.flatMap((o) => (o.status === "fulfilled" ? [o.value] : []));
    expect(outcomes.filter((o) => o.status === "rejected")).toHaveLength(17);
    const all = (await ctx.tenant.db.select({ n: t.invoices.number }).from(t.invoices))
      .map((r) => r.n)
      .sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: all.length }, (_, i) => i + 1));
    expect(kept.sort((x, y) => x - y)).toEqual(Array.from({ length: 33 }, (_, i) => start + i + 1));
  });
});

describe("paying an invoice for a plan period", () => {
  it("renews the subscriber to the period's end when the period is ahead of its expiry, once", async () => {
    const s = await subscriber();
    const expiresAt = new Date(Date.now() + 2 * 86_400_000);
    await ctx.tenant.db
      .update(ctx.tenant.t.subscribers)
      .set({ expiresAt })
      .where(eq(ctx.tenant.t.subscribers.id, s.id));
    const periodEnd = new Date(expiresAt.getTime() + 30 * 86_400_000);
    const inv = await req("POST", "/api/invoices", {
      subscriberId: s.id,
      amountCents: 2_000,
      description: "Next month",
      taxRateId: null,
      periodStart: expiresAt.toISOString(),
      periodEnd: periodEnd.toISOString(),
    });
    expect(inv.status).toBe(201);
    const paid = await req("POST", `/api/invoices/${inv.body.invoice.id}/payments`, {});
    expect(paid.status).toBe(201);
    expect(paid.body.invoice).toMatchObject({ status: "paid", amountPaidCents: 2_000 });
    const after = await req("GET", `/api/subscribers/${s.id}`);
    expect(new Date(after.body.subscriber.expiresAt)).toEqual(periodEnd);
  });
});

describe("billing mode", () => {
  it("is prepaid by default and set per subscriber through the subscriber API", async () => {
    const plan = await req("POST", "/api/plans", { name: "Mode plan", downloadKbps: 1_000, uploadKbps: 1_000 });
    const created = await req("POST", "/api/subscribers", {
      username: "mode-sub",
      password: "pw-12345",
      planId: plan.body.plan.id,
    });
    expect(created.body.subscriber.billingMode).toBe("prepaid");
    const patched = await req("PATCH", `/api/subscribers/${created.body.subscriber.id}`, { billingMode: "postpaid" });
    expect(patched.status).toBe(200);
    expect(patched.body.subscriber.billingMode).toBe("postpaid");
    expectError(
      await req("PATCH", `/api/subscribers/${created.body.subscriber.id}`, { billingMode: "monthly" }),
      400,
      "validation_error",
    );
  });
});
