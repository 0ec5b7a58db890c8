// Payments whose callback never came: the worker finds them and nudges the API, which asks the
// provider (local fakes of Stripe's Checkout Session retrieve and Daraja's STK push query) and
// settles through the callbacks' own path.

import { randomUUID } from "node:crypto";
import { type FakeMpesa, type FakeStripe, startFakeMpesa, startFakeStripe } from "@proxpanel/payments/testing";
import { eq } from "drizzle-orm";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcilePendingPayments } from "../apps/api/src/routes/payments/reconcile.ts";
import { portalFixture, portalSignIn } from "../apps/api/src/routes/portal/portal-test-support.ts";
import { systemCtx } from "../apps/api/src/routes/settings/test-support.ts";
import type { ServiceCtx } from "../apps/api/src/services/context.ts";
import { nudgePendingPayments } from "../apps/worker/src/payment-jobs.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "./harness.ts";

let stack: Stack;
let a: TestTenant;
let b: TestTenant;
let ctx: ServiceCtx;
let stripe: FakeStripe;
let mpesa: FakeMpesa;
let portal: string;
let subscriberId: string;

const op = (method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: a.host, token: a.token, ...(body === undefined ? {} : { body }) });
const me = (method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: a.host, token: portal, ...(body === undefined ? {} : { body }) });
const worker = () => ({
  db: stack.runtime.deps.db,
  tenantClients: stack.runtime.deps.tenantClients,
  logger: pino({ level: "silent" }),
  state: stack.runtime.deps.state,
});

async function invoice(amountCents: number) {
  const res = await op("POST", "/api/invoices", { subscriberId, amountCents, description: "service" });
  return res.body.invoice.id as string;
}
async function payByCard(invoiceId: string) {
  const res = await me("POST", "/api/portal/payments", {
    provider: "stripe",
    purpose: "invoice",
    invoiceId,
    returnUrl: `http://${a.host}/portal`,
  });
  expect(res.status).toBe(201);
  return res.body.payment as { id: string; providerRef: string };
}
async function payByMpesa(invoiceId: string) {
  const res = await me("POST", "/api/portal/payments", {
    provider: "mpesa",
    purpose: "invoice",
    invoiceId,
    phone: "0712 345 678",
    returnUrl: `http://${a.host}/portal`,
  });
  expect(res.status).toBe(201);
  return res.body.payment as { id: string; providerRef: string };
}
/** As if the payment had started `minutes` ago and its callback had been lost. */
async function age(paymentId: string, minutes: number) {
  const p = ctx.tenant.t.onlinePayments;
  await ctx.db
    .update(p)
    .set({ createdAt: new Date(Date.now() - minutes * 60_000) })
    .where(eq(p.id, paymentId));
}
const row = async (id: string) => {
  const p = ctx.tenant.t.onlinePayments;
  return (await ctx.db.select().from(p).where(eq(p.id, id)))[0];
};
const invoiceStatus = async (id: string) => (await op("GET", `/api/invoices/${id}`)).body.invoice.status as string;

beforeAll(async () => {
  // Its own Redis prefix: the nudge goes to every API instance listening under the prefix, and the
  // first takes it. Other test files' stacks share this database (hence the derived prefix) but
  // refuse loopback providers, so one of them winning the nudge left these payments pending.
  stack = await startStack({ PAYMENTS_ALLOW_LOOPBACK: "true", REDIS_PREFIX: `proxpanel:test-${randomUUID()}:` });
  a = await signupTenant(stack);
  b = await signupTenant(stack);
  ctx = await systemCtx(stack, a);
  stripe = await startFakeStripe();
  mpesa = await startFakeMpesa();
  expect((await op("PUT", "/api/settings/payment-providers/stripe", { config: stripe.config() })).status).toBe(200);
  expect((await op("PUT", "/api/settings/payment-providers/mpesa", { config: mpesa.config() })).status).toBe(200);
  const fx = await portalFixture(stack, a, "lost-callbacks");
  subscriberId = fx.subscriberId;
  portal = await portalSignIn(stack, a, "lost-callbacks", fx.password);
});
afterAll(async () => {
  await stack.close();
  await stripe.close();
  await mpesa.close();
});

describe("reconciliation of pending online payments", () => {
  it("settles what the providers say happened, leaves the undecided and the recent alone", async () => {
    // Paid at Stripe, webhook lost (the fake has no webhook address: the event is never delivered).
    const paidInvoice = await invoice(700);
    const paid = await payByCard(paidInvoice);
    const lost = await stripe.completeSession(paid.providerRef);
    await age(paid.id, 15);
    // Still open at Stripe: the subscriber is on the checkout page.
    const openInvoice = await invoice(300);
    const open = await payByCard(openInvoice);
    await age(open.id, 15);
    // Expired at Stripe, its webhook lost too.
    const goneInvoice = await invoice(400);
    const gone = await payByCard(goneInvoice);
    await stripe.expireSession(gone.providerRef);
    await age(gone.id, 15);
    // Paid at Stripe a minute ago: its webhook may still come; not asked about yet.
    const recentInvoice = await invoice(500);
    const recent = await payByCard(recentInvoice);
    await stripe.completeSession(recent.providerRef);
    await age(recent.id, 1);
    // M-Pesa in shillings: one cancelled on the phone, one paid; both callbacks lost.
    await op("PUT", "/api/settings/currency", { currency: "KES" });
    const cancelled = await payByMpesa(await invoice(2_000));
    await mpesa.completeStk(cancelled.providerRef, { resultCode: 1032, deliver: false });
    await age(cancelled.id, 15);
    const mpesaInvoice = await invoice(5_000);
    const mpesaPaid = await payByMpesa(mpesaInvoice);
    await mpesa.completeStk(mpesaPaid.providerRef, { resultCode: 0, deliver: false });
    await age(mpesaPaid.id, 15);
    await op("PUT", "/api/settings/currency", { currency: "USD" });
    const queriesBefore = stripe.requests.filter((r) => r.method === "GET").length;

    const nudged = await nudgePendingPayments(worker(), { tenantIds: [a.id, b.id] });
    expect(nudged).toEqual([{ tenantId: a.id, pending: 5 }]);

    // Read from the table: the portal's own view of a payment would ask the provider itself.
    const status = (id: string) => async () => (await row(id))?.status;
    await expect.poll(status(paid.id), { timeout: 15_000 }).toBe("succeeded");
    await expect.poll(status(mpesaPaid.id), { timeout: 15_000 }).toBe("succeeded");
    await expect.poll(status(gone.id), { timeout: 15_000 }).toBe("failed");
    await expect.poll(status(cancelled.id), { timeout: 15_000 }).toBe("failed");
    expect(await invoiceStatus(paidInvoice)).toBe("paid");
    expect(await invoiceStatus(mpesaInvoice)).toBe("paid");
    expect(await invoiceStatus(goneInvoice)).toBe("unpaid");
    expect((await row(gone.id))?.failureReason).toBe("the checkout session expired");
    expect((await row(cancelled.id))?.failureReason).toMatch(/cancel/i);
    expect((await row(open.id))?.status).toBe("pending");
    expect(await invoiceStatus(openInvoice)).toBe("unpaid");
    // Only the three card payments older than 10 minutes were asked about at Stripe.
    expect((await row(recent.id))?.status).toBe("pending");
    const retrieved = stripe.requests.filter((r) => r.method === "GET").slice(queriesBefore);
    expect(retrieved.map((r) => r.path).sort()).toEqual(
      [paid, open, gone].map((p) => `/v1/checkout/sessions/${p.providerRef}`).sort(),
    );

    // Audited as the system, through the callbacks' own path.
    const audit = await op("GET", `/api/audit-logs?entityId=${paid.id}&limit=20`);
    expect(audit.body.items.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
      ["payment.succeeded", "payment:stripe"],
      ["payment.started", "subscriber:lost-callbacks"],
    ]);

    // The lost webhook arriving late, after reconciliation settled it, changes nothing.
    const late = lost;
    const res = await stack.request("POST", "/api/payments/stripe/webhook", {
      host: a.host,
      body: late.rawBody,
      headers: { ...late.headers, "content-type": "application/json" },
    });
    expect(res.body.result).toBe("duplicate");
  });

  it("gives up on a payment the provider leaves undecided past its horizon, moving no money", async () => {
    const inv = await invoice(900);
    const p = await payByCard(inv);
    const balance = (await me("GET", "/api/portal/me")).body.subscriber.balanceCents;
    const soon = await reconcilePendingPayments(
      { key: await stack.runtime.deps.keys.forTenant(a.id), allowLoopback: true },
      ctx,
      { olderThanMs: 10 * 60_000, now: new Date(Date.now() + 60 * 60_000) },
    );
    // The recent card payment of the first test is now old enough: paid at Stripe, settled.
    expect(soon).toMatchObject({ checked: 3, settled: 1, stillPending: 2, expired: 0 });
    const later = await reconcilePendingPayments(
      { key: await stack.runtime.deps.keys.forTenant(a.id), allowLoopback: true },
      ctx,
      { olderThanMs: 10 * 60_000, now: new Date(Date.now() + 26 * 3_600_000) },
    );
    // This one, and the one left open in the first test.
    expect(later).toMatchObject({ checked: 2, expired: 2, settled: 0 });
    expect((await row(p.id))?.failureReason).toMatch(/^expired: no outcome from stripe after \d+ minutes$/);
    expect(await invoiceStatus(inv)).toBe("unpaid");
    expect((await me("GET", "/api/portal/me")).body.subscriber.balanceCents).toBe(balance);

    // Money taken after all (the subscriber paid at the last minute): never dropped.
    const hook = await stripe.completeSession(p.providerRef);
    const res = await stack.request("POST", "/api/payments/stripe/webhook", {
      host: a.host,
      body: hook.rawBody,
      headers: { ...hook.headers, "content-type": "application/json" },
    });
    expect(res.body.result).toBe("settled");
    expect(await invoiceStatus(inv)).toBe("paid");
  });
});
