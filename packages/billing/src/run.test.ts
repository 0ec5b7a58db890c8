import { migrateTenantSchema, TenantClientCache, type TenantDb, type TenantTables } from "@proxpanel/db";
import * as publicSchema from "@proxpanel/db/public/index";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInvoiceCycle } from "./run.ts";
import { DEFAULT_BILLING_SETTINGS, writeBillingSettings } from "./settings.ts";

const DAY = 86_400_000;
const schema = `tenant_invrun_${Date.now().toString(36)}`;
let sql: postgres.Sql;
let c: { db: TenantDb; t: TenantTables };
let planId: string;

beforeAll(async () => {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("run through vitest");
  sql = postgres(url, { max: 4, onnotice: () => {} });
  const clients = new TenantClientCache(sql);
  c = clients.get(schema);
  await drizzle(sql, { schema: publicSchema }).transaction((tx) => migrateTenantSchema(tx, schema, { create: true }));
  await c.db.insert(c.t.systemPreferences).values({ key: "timezone", value: "Africa/Nairobi" });
  await writeBillingSettings({ db: c.db, t: c.t }, { ...DEFAULT_BILLING_SETTINGS, invoiceDaysBefore: 3 });
  await c.db.insert(c.t.taxRates).values({ name: "VAT", basisPoints: 1600, inclusive: false, isDefault: true });
  const [p] = await c.db
    .insert(c.t.servicePlans)
    .values({ name: "Home 10", downloadKbps: 10_000, uploadKbps: 5_000, priceCents: 2_000, validityDays: 30 })
    .returning();
  if (!p) throw new Error("no plan");
  planId = p.id;
});
afterAll(async () => {
  await sql.unsafe(`drop schema if exists "${schema}" cascade`);
  await sql.end({ timeout: 5 });
});

let seq = 0;
async function sub(v: Partial<TenantTables["subscribers"]["$inferInsert"]>) {
  seq += 1;
  const [s] = await c.db
    .insert(c.t.subscribers)
    .values({ username: `run-${seq}`, passwordEnc: "x", planId, ...v })
    .returning();
  if (!s) throw new Error("no subscriber");
  return s;
}
const invoicesOf = (id: string) => c.db.select().from(c.t.invoices).where(eq(c.t.invoices.subscriberId, id));
const load = async (id: string) => (await c.db.select().from(c.t.subscribers).where(eq(c.t.subscribers.id, id)))[0];

describe("recurring invoice run", () => {
  // 10:00 in Nairobi (UTC+3) on 10 March.
  const now = new Date("2027-03-10T07:00:00Z");

  it("bills prepaid subscribers N days ahead in the tenant's timezone, and a re-run issues nothing", async () => {
    // Expires at 23:30 Nairobi on the 13th: inside "today + 3 days" there, though already the
    // 13th 20:30 UTC — the tenant's calendar decides, not UTC's.
    const due = await sub({ expiresAt: new Date("2027-03-13T20:30:00Z") });
    // 00:30 Nairobi on the 14th: one day too far.
    const later = await sub({ expiresAt: new Date("2027-03-13T21:30:00Z") });
    const off = await sub({ expiresAt: new Date("2027-03-12T00:00:00Z"), status: "disabled" });
    const first = await runInvoiceCycle(c, { now });
    expect(first.prepaidIssued).toBe(1);
    const [inv] = await invoicesOf(due.id);
    expect(inv).toMatchObject({
      status: "unpaid",
      subtotalCents: 2_000,
      taxCents: 320,
      amountCents: 2_320,
      taxName: "VAT",
      periodStart: due.expiresAt,
      periodEnd: new Date((due.expiresAt?.getTime() ?? 0) + 30 * DAY),
      dueAt: due.expiresAt,
    });
    expect(await invoicesOf(later.id)).toEqual([]);
    expect(await invoicesOf(off.id)).toEqual([]);
    expect(await runInvoiceCycle(c, { now })).toEqual({
      prepaidIssued: 0,
      postpaidIssued: 0,
      settledFromBalance: 0,
      failed: [],
    });
    // The next day the later one is due, the first still once.
    const next = await runInvoiceCycle(c, { now: new Date(now.getTime() + DAY) });
    expect(next.prepaidIssued).toBe(1);
    expect(await invoicesOf(due.id)).toHaveLength(1);
  });

  it("settles from prepaid credit when it covers the invoice, and renews", async () => {
    const expiresAt = new Date("2027-03-12T09:00:00Z");
    const rich = await sub({ expiresAt, balanceCents: 3_000 });
    const poor = await sub({ expiresAt, balanceCents: 1_000 });
    const r = await runInvoiceCycle(c, { now });
    expect(r.settledFromBalance).toBe(1);
    const [paid] = await invoicesOf(rich.id);
    expect(paid).toMatchObject({ status: "paid", amountPaidCents: 2_320 });
    expect(await load(rich.id)).toMatchObject({
      balanceCents: 680,
      expiresAt: new Date(expiresAt.getTime() + 30 * DAY),
    });
    const charges = await c.db.select().from(c.t.transactions).where(eq(c.t.transactions.subscriberId, rich.id));
    expect(charges.map((x) => [x.type, x.amountCents, x.balanceAfterCents])).toEqual([["invoice_charge", -2_320, 680]]);
    // Not enough credit: the invoice stays open and the balance untouched.
    expect((await invoicesOf(poor.id))[0]?.status).toBe("unpaid");
    expect((await load(poor.id))?.balanceCents).toBe(1_000);
    // Renewed by the payment: the next period is billed in a month, not again now.
    expect((await runInvoiceCycle(c, { now })).prepaidIssued).toBe(0);
  });

  it("bills postpaid subscribers after the period and keeps their service running", async () => {
    const end = new Date("2027-03-10T05:00:00Z"); // ended this morning, tenant time
    const pp = await sub({ billingMode: "postpaid", expiresAt: end });
    const notYet = await sub({ billingMode: "postpaid", expiresAt: new Date("2027-03-11T05:00:00Z") });
    const r = await runInvoiceCycle(c, { now });
    expect(r.postpaidIssued).toBe(1);
    const [inv] = await invoicesOf(pp.id);
    expect(inv).toMatchObject({
      status: "unpaid",
      periodStart: new Date(end.getTime() - 30 * DAY),
      periodEnd: end,
      dueAt: new Date(now.getTime() + 7 * DAY),
    });
    expect((await load(pp.id))?.expiresAt).toEqual(new Date(end.getTime() + 30 * DAY));
    expect(await invoicesOf(notYet.id)).toEqual([]);
    expect((await runInvoiceCycle(c, { now })).postpaidIssued).toBe(0);
  });

  it("numbers every issued invoice 1..N without a gap", async () => {
    const numbers = (await c.db.select({ n: c.t.invoices.number }).from(c.t.invoices))
      .map((r) => r.n)
      .sort((a, b) => a - b);
    expect(numbers).toEqual(numbers.map((_, i) => i + 1));
  });
});
