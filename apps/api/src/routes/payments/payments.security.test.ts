import { type FakeMpesa, type FakeStripe, startFakeMpesa, startFakeStripe } from "@proxpanel/payments/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { type PortalFixture, portalFixture, portalSignIn } from "../portal/portal-test-support.ts";
import { userWith } from "../settings/test-support.ts";
import { pathOf, postWebhook } from "./payments-test-support.ts";

let stack: Stack;
let a: TestTenant;
let b: TestTenant;
let fa: PortalFixture;
let stripeA: FakeStripe;
let stripeB: FakeStripe;
let mpesa: FakeMpesa;
let portalA: string;

const call = (t: TestTenant, token: string | undefined, method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: t.host, ...(token ? { token } : {}), ...(body === undefined ? {} : { body }) });
const returnUrl = () => `http://${a.host}/portal/invoices`;

beforeAll(async () => {
  stack = await startStack({ PAYMENTS_ALLOW_LOOPBACK: "true" });
  a = await signupTenant(stack);
  b = await signupTenant(stack);
  fa = await portalFixture(stack, a, "sec");
  await portalFixture(stack, b, "sec");
  stripeA = await startFakeStripe();
  stripeB = await startFakeStripe();
  mpesa = await startFakeMpesa();
  expect(
    (await call(a, a.token, "PUT", "/api/settings/payment-providers/stripe", { config: stripeA.config() })).status,
  ).toBe(200);
  expect(
    (await call(a, a.token, "PUT", "/api/settings/payment-providers/mpesa", { config: mpesa.config() })).status,
  ).toBe(200);
  expect(
    (await call(b, b.token, "PUT", "/api/settings/payment-providers/stripe", { config: stripeB.config() })).status,
  ).toBe(200);
  portalA = await portalSignIn(stack, a, "sec", fa.password);
});
afterAll(async () => {
  await stack.close();
  await Promise.all([stripeA.close(), stripeB.close(), mpesa.close()]);
});

async function startCard(invoiceCents = 500) {
  const inv = await call(a, a.token, "POST", "/api/invoices", {
    subscriberId: fa.subscriberId,
    amountCents: invoiceCents,
    description: "x",
  });
  const start = await call(a, portalA, "POST", "/api/portal/payments", {
    provider: "stripe",
    purpose: "invoice",
    invoiceId: inv.body.invoice.id,
    returnUrl: returnUrl(),
  });
  expect(start.status).toBe(201);
  return { invoiceId: inv.body.invoice.id as string, payment: start.body.payment };
}

describe("payments across tenants", () => {
  it("tenant A's genuine webhook is refused on B's host, and B's own account cannot pay A's session", async () => {
    const { invoiceId, payment } = await startCard();
    const hook = await stripeA.completeSession(payment.providerRef);
    expectError(await postWebhook(stack, b, "/api/payments/stripe/webhook", hook), 400, "webhook_signature_invalid");
    // Signed with B's secret (B's own Stripe account) but naming A's session: unknown in B.
    const asB = stripeB.signedEvent(hook.event);
    expect((await postWebhook(stack, b, "/api/payments/stripe/webhook", asB)).body.result).toBe("unknown");
    const inv = (await call(a, a.token, "GET", `/api/invoices/${invoiceId}`)).body;
    expect(inv.invoice?.status ?? inv.status).toBe("unpaid");
  });

  it("an M-Pesa callback address of tenant A answers nothing on B's host", async () => {
    await call(a, a.token, "PUT", "/api/settings/currency", { currency: "KES" });
    const start = await call(a, portalA, "POST", "/api/portal/payments", {
      provider: "mpesa",
      purpose: "renewal",
      phone: "0712345678",
      returnUrl: returnUrl(),
    });
    expect(start.status).toBe(201);
    const url = mpesa.stkRequests.get(start.body.payment.providerRef)?.callbackUrl ?? "";
    const cb = await mpesa.completeStk(start.body.payment.providerRef, { resultCode: 0, deliver: false });
    expectError(await postWebhook(stack, b, pathOf(url), { rawBody: cb.rawBody, headers: {} }), 404, "not_found");
    // A tenant with no Stripe account has no webhook.
    const c = await signupTenant(stack);
    expectError(
      await postWebhook(stack, c, "/api/payments/stripe/webhook", { rawBody: "{}", headers: {} }),
      404,
      "not_found",
    );
  });

  it("a subscriber cannot pay, see or follow another subscriber's invoices and payments", async () => {
    const other = await call(a, a.token, "POST", "/api/subscribers", {
      username: "other",
      password: "other-1234",
      planId: fa.planId,
    });
    const inv = await call(a, a.token, "POST", "/api/invoices", {
      subscriberId: other.body.subscriber.id,
      amountCents: 100,
      description: "o",
    });
    expectError(
      await call(a, portalA, "POST", "/api/portal/payments", {
        provider: "stripe",
        purpose: "invoice",
        invoiceId: inv.body.invoice.id,
        returnUrl: returnUrl(),
      }),
      404,
      "not_found",
    );
    const otherToken = await portalSignIn(stack, a, "other", "other-1234");
    const { payment } = await startCard();
    expectError(await call(a, otherToken, "GET", `/api/portal/payments/${payment.id}`), 404, "not_found");
    expect((await call(a, otherToken, "GET", "/api/portal/payments")).body.items).toEqual([]);
  });

  it("only staff with settings.edit change provider accounts; portal tokens reach none of it", async () => {
    const viewer = await userWith(stack, a, ["settings.view"]);
    expect((await call(a, viewer, "GET", "/api/settings/payment-providers")).status).toBe(200);
    expectError(
      await call(a, viewer, "PUT", "/api/settings/payment-providers/stripe", { config: stripeA.config() }),
      403,
      "forbidden",
    );
    expectError(await call(a, viewer, "DELETE", "/api/settings/payment-providers/stripe"), 403, "forbidden");
    expectError(await call(a, portalA, "GET", "/api/settings/payment-providers"), 401, "unauthorized");
    expectError(
      await call(a, a.token, "POST", "/api/portal/payments", {
        provider: "stripe",
        purpose: "renewal",
        returnUrl: returnUrl(),
      }),
      401,
      "unauthorized",
    );
  });
});
