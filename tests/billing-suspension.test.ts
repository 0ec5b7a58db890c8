// The worker suspends for non-payment, the API restores on payment: two apps, one test.
import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runInvoices } from "../apps/worker/src/invoice-jobs.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "./harness.ts";

const DAY = 86_400_000;
let stack: Stack;
let a: TestTenant;

beforeAll(async () => {
  stack = await startStack();
  a = await signupTenant(stack);
});
afterAll(() => stack.close());

const op = (method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: a.host, token: a.token, body });
const worker = () => ({
  db: stack.runtime.deps.db,
  tenantClients: stack.runtime.deps.tenantClients,
  logger: pino({ level: "silent" }),
});

async function subscriber(username: string) {
  const plan = await op("POST", "/api/plans", {
    name: `P ${username}`,
    downloadKbps: 10_000,
    uploadKbps: 5_000,
    priceCents: 1_000,
  });
  const sub = await op("POST", "/api/subscribers", {
    username,
    password: "pw-12345",
    planId: plan.body.plan.id,
    expiresAt: new Date(Date.now() + 20 * DAY).toISOString(),
  });
  expect(sub.status).toBe(201);
  return sub.body.subscriber.id as string;
}
const invoice = async (subscriberId: string, dueAt: Date) =>
  (
    await op("POST", "/api/invoices", {
      subscriberId,
      amountCents: 1_000,
      description: "Service",
      dueAt: dueAt.toISOString(),
    })
  ).body.invoice.id as string;
const status = async (id: string) => (await op("GET", `/api/subscribers/${id}`)).body.subscriber.status;

describe("suspension for non-payment", () => {
  it("suspends past the grace days, not within them, and restores when the arrears are paid", async () => {
    await op("PATCH", "/api/billing/settings", { graceDays: 5 });
    const late = await subscriber("late-payer");
    const onTime = await subscriber("in-grace");
    const lateInv = await invoice(late, new Date(Date.now() - 6 * DAY));
    await invoice(onTime, new Date(Date.now() - 4 * DAY));
    const [run] = await runInvoices(worker(), { tenantIds: [a.id] });
    expect(run?.suspended).toEqual([late]);
    expect(await status(late)).toBe("disabled");
    expect(await status(onTime)).toBe("active");
    // Once only: a second run finds it suspended already.
    expect((await runInvoices(worker(), { tenantIds: [a.id] }))[0]?.suspended).toEqual([]);

    // A part payment leaves it suspended; covering the invoice restores it, audited.
    await op("POST", `/api/invoices/${lateInv}/payments`, { amountCents: 400 });
    expect(await status(late)).toBe("disabled");
    const paid = await op("POST", `/api/invoices/${lateInv}/payments`, {});
    expect(paid.body.restored).toBe(true);
    expect(await status(late)).toBe("active");
    const [row] = await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, a.id));
    const client = stack.runtime.deps.tenantClients.get(row?.schemaName ?? "");
    const audit = await client.db.select().from(client.t.auditLogs).where(eq(client.t.auditLogs.entityId, late));
    expect(audit.map((r) => r.action)).toContain("subscriber.suspend");
  });

  it("never restores a subscriber an operator disabled, and suspends no one when switched off", async () => {
    const off = await subscriber("operator-off");
    await op("POST", `/api/subscribers/${off}/disable`);
    const inv = await invoice(off, new Date(Date.now() - 30 * DAY));
    expect((await runInvoices(worker(), { tenantIds: [a.id] }))[0]?.suspended).toEqual([]);
    const paid = await op("POST", `/api/invoices/${inv}/payments`, {});
    expect(paid.body.restored).toBe(false);
    expect(await status(off)).toBe("disabled");

    await op("PATCH", "/api/billing/settings", { suspendOnNonPayment: false });
    const other = await subscriber("switched-off");
    await invoice(other, new Date(Date.now() - 30 * DAY));
    expect((await runInvoices(worker(), { tenantIds: [a.id] }))[0]?.suspended).toEqual([]);
    expect(await status(other)).toBe("active");
  });
});
