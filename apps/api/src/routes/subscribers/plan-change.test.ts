import { localDayNumber } from "@proxpanel/billing";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import type { ServiceCtx } from "../../services/context.ts";
import { portalSignIn } from "../portal/portal-test-support.ts";
import { expectError, systemCtx } from "../settings/test-support.ts";

let stack: Stack;
let a: TestTenant;
let ctx: ServiceCtx;
const DAY_MS = 86_400_000;
const TZ = "Africa/Nairobi";

const op = (method: string, p: string, body?: unknown) =>
  stack.request(method, p, { host: a.host, token: a.token, ...(body === undefined ? {} : { body }) });
async function plan(name: string, priceCents: number) {
  const res = await op("POST", "/api/plans", {
    name,
    downloadKbps: 1000,
    uploadKbps: 500,
    priceCents,
    validityDays: 30,
  });
  expect(res.status).toBe(201);
  return res.body.plan.id as string;
}

/** Midnight, tenant time, `days` local days from today: how a period boundary falls on the tenant's calendar. */
function localMidnight(days: number): Date {
  const day = localDayNumber(new Date(), TZ) + days;
  return new Date(day * DAY_MS - 3 * 3_600_000); // Nairobi is UTC+3 all year
}

/**
 * A subscriber renewed on plan `planId` (paid from its balance), with the renewal's period moved
 * so that `daysLeft` local days of its 30 remain: the state of a subscriber in mid-period.
 */
async function midPeriod(username: string, planId: string, balanceCents: number, daysLeft: number) {
  const created = await op("POST", "/api/subscribers", {
    username,
    password: "pw-1234-x",
    planId,
    email: `${username}@x.net`,
  });
  expect(created.status).toBe(201);
  const id = created.body.subscriber.id as string;
  const { t, db } = ctx.tenant;
  await db.update(t.subscribers).set({ balanceCents, expiresAt: null }).where(eq(t.subscribers.id, id));
  const renewed = await op("POST", `/api/subscribers/${id}/renew`);
  expect(renewed.status).toBe(200);
  const periodEnd = localMidnight(daysLeft);
  const periodStart = new Date(periodEnd.getTime() - 30 * DAY_MS);
  await db.update(t.invoices).set({ periodStart, periodEnd }).where(eq(t.invoices.id, renewed.body.invoice.id));
  await db.update(t.subscribers).set({ expiresAt: periodEnd }).where(eq(t.subscribers.id, id));
  return { id, invoiceId: renewed.body.invoice.id as string };
}
const subscriber = async (id: string) =>
  (await ctx.tenant.db.select().from(ctx.tenant.t.subscribers).where(eq(ctx.tenant.t.subscribers.id, id)))[0];

beforeAll(async () => {
  stack = await startStack();
  a = await signupTenant(stack);
  ctx = await systemCtx(stack, a);
  expect((await op("PATCH", "/api/settings/timezone", { timezone: TZ })).status).toBe(200);
});
afterAll(() => stack.close());

describe("pro-rating on a plan change", () => {
  it("credits the unused days of the paid period and charges them at the new plan, in one transaction", async () => {
    const basic = await plan("Basic 30", 3_000);
    const fast = await plan("Fast 60", 6_000);
    const { id, invoiceId } = await midPeriod("pr-up", basic, 5_000, 10);
    expect((await subscriber(id))?.balanceCents).toBe(2_000);

    const res = await op("POST", `/api/subscribers/${id}/change-plan`, { planId: fast });
    expect(res.status).toBe(200);
    expect(res.body.proration).toMatchObject({ daysLeft: 10, periodDays: 30, creditCents: 1_000, chargeCents: 2_000 });
    // 2,000 + the 1,000 credited - the 2,000 charge, settled at once from the balance.
    expect(res.body.subscriber).toMatchObject({ planId: fast, balanceCents: 1_000 });
    const notes = await op("GET", `/api/invoices/${invoiceId}/credit-notes`);
    expect(notes.body.items).toEqual([
      expect.objectContaining({ amountCents: 1_000, reason: "Plan change: unused 10 of 30 days" }),
    ]);
    const charge = await op("GET", `/api/invoices/${res.body.proration.invoiceId}`);
    expect(charge.body.invoice).toMatchObject({
      amountCents: 2_000,
      status: "paid",
      lines: [{ description: "Plan change to Fast 60: 10 days", quantity: 1, unitCents: 2_000, amountCents: 2_000 }],
    });
    // The expiry stays where it was.
    expect((await subscriber(id))?.expiresAt?.getTime()).toBe(localMidnight(10).getTime());
  });

  it("credits a downgrade to the balance, and a second change credits the first change's invoice", async () => {
    const basic = await plan("Basic B", 3_000);
    const fast = await plan("Fast B", 6_000);
    const slow = await plan("Slow B", 1_500);
    const { id } = await midPeriod("pr-down", fast, 6_000, 15);
    // Paid 6,000 for 30 days, 15 left: 3,000 back, 750 charged for Slow's 15 days.
    const down = await op("POST", `/api/subscribers/${id}/change-plan`, { planId: slow });
    expect(down.body.proration).toMatchObject({ daysLeft: 15, creditCents: 3_000, chargeCents: 750 });
    expect(down.body.subscriber.balanceCents).toBe(2_250);
    // Now the change's own invoice (750 for the 15 days left) is what the period was billed.
    const up = await op("POST", `/api/subscribers/${id}/change-plan`, { planId: basic });
    expect(up.body.proration).toMatchObject({ daysLeft: 15, periodDays: 15, creditCents: 750, chargeCents: 1_500 });
    expect(up.body.subscriber.balanceCents).toBe(1_500);
    const ledger = await op("GET", `/api/transactions?subscriberId=${id}&limit=50`);
    const sum = (type: string) =>
      ledger.body.items
        .filter((r: { type: string }) => r.type === type)
        .reduce((n: number, r: { amountCents: number }) => n + r.amountCents, 0);
    expect(sum("credit_note")).toBe(3_750);
    expect(sum("invoice_charge")).toBe(-2_250);
  });

  it("leaves the charge open when the balance does not cover it, and refuses an inactive plan changing nothing", async () => {
    const basic = await plan("Basic C", 3_000);
    const fast = await plan("Fast C", 9_000);
    const { id } = await midPeriod("pr-open", basic, 3_000, 20);
    const res = await op("POST", `/api/subscribers/${id}/change-plan`, { planId: fast });
    expect(res.body.proration).toMatchObject({ creditCents: 2_000, chargeCents: 6_000 });
    expect(res.body.subscriber.balanceCents).toBe(2_000);
    const open = await op("GET", `/api/invoices/${res.body.proration.invoiceId}`);
    expect(open.body.invoice).toMatchObject({ status: "unpaid", amountCents: 6_000, amountPaidCents: 0 });

    const retired = await plan("Retired C", 100);
    await op("PATCH", `/api/plans/${retired}`, { isActive: false });
    const before = await op("GET", `/api/invoices?subscriberId=${id}&limit=50`);
    expectError(await op("POST", `/api/subscribers/${id}/change-plan`, { planId: retired }), 409, "conflict");
    expect((await op("GET", `/api/invoices?subscriberId=${id}&limit=50`)).body.total).toBe(before.body.total);
    expect((await subscriber(id))?.balanceCents).toBe(2_000);
  });

  it("pro-rates a subscriber's own change in the portal the same way", async () => {
    const basic = await plan("Basic P", 3_000);
    const fast = await plan("Fast P", 4_500);
    const { id } = await midPeriod("pr-portal", basic, 3_000, 10);
    await op("PUT", "/api/settings/portal", { allowPlanChange: true });
    const token = await portalSignIn(stack, a, "pr-portal", "pw-1234-x");
    const res = await stack.request("POST", "/api/portal/plan", { host: a.host, token, body: { planId: fast } });
    expect(res.status).toBe(200);
    expect(res.body.proration).toMatchObject({ daysLeft: 10, creditCents: 1_000, chargeCents: 1_500 });
    expect(res.body.subscriber).toMatchObject({ planId: fast });
    expect(res.body.subscriber.notes).toBeUndefined();
    // Renewed from 3,000 to 0, 1,000 credited: the 1,500 charge stays open.
    expect((await subscriber(id))?.balanceCents).toBe(1_000);
    const audit = await op("GET", `/api/audit-logs?entityId=${id}&limit=50`);
    const change = audit.body.items.find((e: { action: string }) => e.action === "subscriber.change_plan");
    expect(change.details.proration).toMatchObject({ creditCents: 1_000, chargeCents: 1_500 });
  });
});
