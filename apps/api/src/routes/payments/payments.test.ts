import { type FakeMpesa, type FakeStripe, startFakeMpesa, startFakeStripe } from "@proxpanel/payments/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { type PortalFixture, portalFixture, portalSignIn } from "../portal/portal-test-support.ts";
import { pathOf, postWebhook } from "./payments-test-support.ts";

let stack: Stack;
let a: TestTenant;
let fx: PortalFixture;
let stripe: FakeStripe;
let mpesa: FakeMpesa;
let portal: string;

const op = (method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: a.host, token: a.token, ...(body === undefined ? {} : { body }) });
const me = (method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: a.host, token: portal, ...(body === undefined ? {} : { body }) });
const returnUrl = () => `http://${a.host}/portal/invoices`;

async function newInvoice(amountCents: number, description = "service") {
  const res = await op("POST", "/api/invoices", { subscriberId: fx.subscriberId, amountCents, description });
  expect(res.status).toBe(201);
  return res.body.invoice.id as string;
}
const balance = async () => (await me("GET", "/api/portal/me")).body.subscriber.balanceCents as number;
const invoiceStatus = async (id: string) => (await op("GET", `/api/invoices/${id}`)).body.invoice.status as string;

beforeAll(async () => {
  stack = await startStack({ PAYMENTS_ALLOW_LOOPBACK: "true" });
  a = await signupTenant(stack);
  fx = await portalFixture(stack, a, "payer");
  stripe = await startFakeStripe();
  mpesa = await startFakeMpesa();
  portal = await portalSignIn(stack, a, "payer", fx.password);
});
afterAll(async () => {
  await stack.close();
  await stripe.close();
  await mpesa.close();
});

describe("provider settings", () => {
  it("stores each provider's credentials sealed and never returns a secret", async () => {
    expectError(
      await op("PUT", "/api/settings/payment-providers/stripe", { config: { secretKey: "nope" } }),
      400,
      "validation_error",
    );
    expectError(await op("PUT", "/api/settings/payment-providers/paypal", { config: {} }), 400, "validation_error");
    const saved = await op("PUT", "/api/settings/payment-providers/stripe", { config: stripe.config() });
    expect(saved.status).toBe(200);
    expect((await op("PUT", "/api/settings/payment-providers/mpesa", { config: mpesa.config() })).status).toBe(200);
    const list = await op("GET", "/api/settings/payment-providers");
    expect(list.body.items.map((i: { provider: string }) => i.provider)).toEqual(["mpesa", "stripe"]);
    const everything = JSON.stringify([saved.body, list.body, (await op("GET", "/api/audit-logs?limit=100")).body]);
    for (const secret of [
      stripe.secretKey,
      stripe.webhookSecret,
      mpesa.consumerSecret,
      mpesa.passkey,
      mpesa.consumerKey,
    ]) {
      expect(everything).not.toContain(secret);
    }
    expect((await me("GET", "/api/portal/me")).body.paymentProviders.sort()).toEqual(["mpesa", "stripe"]);
  });
});

describe("card payment through Stripe Checkout", () => {
  it("pays an invoice: checkout session for the right amount, signed webhook, invoice paid once", async () => {
    const invoiceId = await newInvoice(700);
    const before = await balance();
    const start = await me("POST", "/api/portal/payments", {
      provider: "stripe",
      purpose: "invoice",
      invoiceId,
      returnUrl: returnUrl(),
    });
    expect(start.status).toBe(201);
    expect(start.body.redirectUrl).toMatch(/^https?:\/\//);
    expect(start.body.payment).toMatchObject({ status: "pending", amountCents: 700, currency: "USD" });
    expect(start.body.payment.callbackToken).toBeUndefined();
    const session = stripe.sessions.get(start.body.payment.providerRef);
    expect(session).toMatchObject({ amount_total: 700, currency: "usd", client_reference_id: start.body.payment.id });
    expect(session?.success_url).toContain(`payment=${start.body.payment.id}`);

    const hook = await stripe.completeSession(start.body.payment.providerRef);
    const res = await postWebhook(stack, a, "/api/payments/stripe/webhook", hook);
    expect(res.body).toEqual({ received: true, result: "settled" });
    expect(await invoiceStatus(invoiceId)).toBe("paid");
    expect(await balance()).toBe(before);
    const payment = await me("GET", `/api/portal/payments/${start.body.payment.id}`);
    expect(payment.body.payment).toMatchObject({ status: "succeeded" });

    // Stripe retries deliveries: the same event again changes nothing.
    expect((await postWebhook(stack, a, "/api/payments/stripe/webhook", hook)).body.result).toBe("duplicate");
    const tx = await op("GET", `/api/transactions?subscriberId=${fx.subscriberId}&limit=100`);
    expect(
      tx.body.items.filter(
        (t: { invoiceId: string; type: string }) => t.invoiceId === invoiceId && t.type === "payment",
      ),
    ).toHaveLength(1);
    expect(await balance()).toBe(before);
    // Recorded as paid online, with the provider's own reference.
    const received = tx.body.items.find(
      (t: { invoiceId: string; type: string }) => t.invoiceId === invoiceId && t.type === "payment",
    );
    expect(received).toMatchObject({ method: "online" });
    expect(received.reference).toBeTruthy();
  });

  it("refuses forged and replayed webhooks, and a paid amount that differs moves nothing", async () => {
    const invoiceId = await newInvoice(900);
    const start = await me("POST", "/api/portal/payments", {
      provider: "stripe",
      purpose: "invoice",
      invoiceId,
      returnUrl: returnUrl(),
    });
    const ref = start.body.payment.providerRef as string;
    const session = stripe.sessions.get(ref);
    const paidEvent = stripe.event("checkout.session.completed", {
      ...session,
      status: "complete",
      payment_status: "paid",
    });
    const forged = stripe.signedEvent(paidEvent, { secret: "whsec_forged_0123456789" });
    expectError(await postWebhook(stack, a, "/api/payments/stripe/webhook", forged), 400, "webhook_signature_invalid");
    const stale = stripe.signedEvent(paidEvent, { timestamp: Math.floor(Date.now() / 1000) - 3600 });
    expectError(await postWebhook(stack, a, "/api/payments/stripe/webhook", stale), 400, "webhook_signature_invalid");
    expectError(
      await postWebhook(stack, a, "/api/payments/stripe/webhook", { rawBody: JSON.stringify(paidEvent), headers: {} }),
      400,
      "webhook_signature_invalid",
    );
    expect(await invoiceStatus(invoiceId)).toBe("unpaid");

    const cheap = stripe.event("checkout.session.completed", {
      ...session,
      status: "complete",
      payment_status: "paid",
      amount_total: 1,
    });
    const res = await postWebhook(stack, a, "/api/payments/stripe/webhook", stripe.signedEvent(cheap));
    expect(res.body.result).toBe("mismatch");
    expect(await invoiceStatus(invoiceId)).toBe("unpaid");
    expect((await me("GET", `/api/portal/payments/${start.body.payment.id}`)).body.payment).toMatchObject({
      status: "failed",
    });
  });

  it("an abandoned checkout (expired session) fails the payment and changes nothing", async () => {
    const invoiceId = await newInvoice(300);
    const before = await balance();
    const start = await me("POST", "/api/portal/payments", {
      provider: "stripe",
      purpose: "invoice",
      invoiceId,
      returnUrl: returnUrl(),
    });
    const res = await postWebhook(
      stack,
      a,
      "/api/payments/stripe/webhook",
      await stripe.expireSession(start.body.payment.providerRef),
    );
    expect(res.body.result).toBe("failed");
    // A late "completed" for the same session after it expired is a duplicate, not money.
    expect(await invoiceStatus(invoiceId)).toBe("unpaid");
    expect(await balance()).toBe(before);
  });

  it("refuses to start what cannot be paid", async () => {
    expectError(
      await me("POST", "/api/portal/payments", {
        provider: "stripe",
        purpose: "invoice",
        invoiceId: crypto.randomUUID(),
        returnUrl: returnUrl(),
      }),
      404,
      "not_found",
    );
    expectError(
      await me("POST", "/api/portal/payments", { provider: "stripe", purpose: "invoice", returnUrl: returnUrl() }),
      400,
      "validation_error",
    );
    expectError(
      await me("POST", "/api/portal/payments", {
        provider: "stripe",
        purpose: "renewal",
        returnUrl: "https://evil.example/steal",
      }),
      400,
      "validation_error",
    );
    await op("PUT", "/api/settings/portal", { allowPayments: false });
    expectError(
      await me("POST", "/api/portal/payments", { provider: "stripe", purpose: "renewal", returnUrl: returnUrl() }),
      403,
      "portal_disabled",
    );
    await op("PUT", "/api/settings/portal", { allowPayments: true });
  });
});

describe("M-Pesa STK push", () => {
  it("renews on a confirmed push: credit then renewal in one step, callback acknowledged as Daraja expects", async () => {
    await op("PUT", "/api/settings/currency", { currency: "KES" });
    const before = (await me("GET", "/api/portal/me")).body.subscriber;
    const start = await me("POST", "/api/portal/payments", {
      provider: "mpesa",
      purpose: "renewal",
      phone: "0712 345 678",
      returnUrl: returnUrl(),
    });
    expect(start.status).toBe(201);
    expect(start.body.customerMessage).toBeTruthy();
    const push = mpesa.stkRequests.get(start.body.payment.providerRef);
    expect(push).toMatchObject({ amount: 15, phone: "254712345678" });
    expect(push?.callbackUrl).toContain(`/api/payments/mpesa/callback/${start.body.payment.id}/`);

    const cb = await mpesa.completeStk(start.body.payment.providerRef, { resultCode: 0, deliver: false });
    const res = await postWebhook(stack, a, pathOf(push?.callbackUrl ?? ""), { rawBody: cb.rawBody, headers: {} });
    expect(res.body).toEqual({ ResultCode: 0, ResultDesc: "Accepted" });
    const after = (await me("GET", "/api/portal/me")).body.subscriber;
    expect(after.balanceCents).toBe(before.balanceCents);
    expect(new Date(after.expiresAt).getTime()).toBeGreaterThan(
      new Date(before.expiresAt ?? Date.now()).getTime() + 29 * 86_400_000,
    );
    expect((await me("GET", `/api/portal/payments/${start.body.payment.id}`)).body.payment.status).toBe("succeeded");
    // Safaricom resends callbacks it thinks were lost.
    expect(
      (await postWebhook(stack, a, pathOf(push?.callbackUrl ?? ""), { rawBody: cb.rawBody, headers: {} })).status,
    ).toBe(200);
    expect((await me("GET", "/api/portal/me")).body.subscriber.expiresAt).toBe(after.expiresAt);
  });

  it("refuses a forged success the Daraja query contradicts, a wrong callback address, and records a cancel", async () => {
    const start = await me("POST", "/api/portal/payments", {
      provider: "mpesa",
      purpose: "renewal",
      phone: "0712345678",
      returnUrl: returnUrl(),
    });
    const ref = start.body.payment.providerRef as string;
    const url = mpesa.stkRequests.get(ref)?.callbackUrl ?? "";
    // While Daraja still says "being processed", a claimed success cannot be confirmed: 503, so a
    // genuine callback is retried, and nothing moves.
    const forged = await mpesa.forgeCallback(ref, { resultCode: 0, deliver: false });
    const early = await postWebhook(stack, a, pathOf(url), { rawBody: forged.rawBody, headers: {} });
    expectError(early, 503, "service_unavailable");
    expect((await me("GET", `/api/portal/payments/${start.body.payment.id}`)).body.payment.status).toBe("pending");
    const wrongToken = pathOf(url).replace(/\/[^/]+$/, "/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    expectError(await postWebhook(stack, a, wrongToken, { rawBody: forged.rawBody, headers: {} }), 404, "not_found");
    const before = (await me("GET", "/api/portal/me")).body.subscriber;
    const cancel = await mpesa.completeStk(ref, { resultCode: 1032, deliver: false });
    expect((await postWebhook(stack, a, pathOf(url), { rawBody: cancel.rawBody, headers: {} })).status).toBe(200);
    const payment = (await me("GET", `/api/portal/payments/${start.body.payment.id}`)).body.payment;
    expect(payment.status).toBe("failed");
    expect(payment.failureReason).toMatch(/cancel/i);
    // Once Daraja says cancelled, the same forged success is plainly contradicted.
    const late = await postWebhook(stack, a, pathOf(url), { rawBody: forged.rawBody, headers: {} });
    expectError(late, 400, "webhook_signature_invalid");
    expect((await me("GET", "/api/portal/me")).body.subscriber).toMatchObject({
      balanceCents: before.balanceCents,
      expiresAt: before.expiresAt,
    });
    await op("PUT", "/api/settings/currency", { currency: "USD" });
  });

  it("lists the subscriber's payments", async () => {
    const list = await me("GET", "/api/portal/payments");
    expect(list.body.items.length).toBeGreaterThanOrEqual(5);
    expect(list.body.items[0].callbackToken).toBeUndefined();
  });
});
