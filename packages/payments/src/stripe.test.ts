import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PaymentProviderError } from "./errors.ts";
import { createProvider } from "./factory.ts";
import { type FakeStripe, type Receiver, startFakeStripe, startReceiver } from "./testing/index.ts";
import type { PaymentProvider, StartPaymentInput } from "./types.ts";

let fake: FakeStripe;
let receiver: Receiver;
let stripe: PaymentProvider;

beforeAll(async () => {
  [fake, receiver] = await Promise.all([startFakeStripe(), startReceiver()]);
  stripe = createProvider("stripe", fake.config(), { allowLoopbackApiBase: true });
});
afterAll(async () => {
  await Promise.all([fake.close(), receiver.close()]);
});

function input(overrides: Partial<StartPaymentInput> = {}): StartPaymentInput {
  return {
    reference: randomUUID(),
    amountCents: 2500,
    currency: "USD",
    description: "Invoice #1042",
    customer: { email: "jane@example.test", phone: null },
    returnUrl: "https://acme.example.test/portal/pay?payment=1",
    callbackUrl: "https://acme.example.test/ignored-by-stripe",
    ...overrides,
  };
}

const lastRequest = () => {
  const r = fake.requests.at(-1);
  if (!r) throw new Error("the fake received nothing");
  return r;
};

describe("Stripe Checkout", () => {
  it("creates a session with the documented form fields, bearer key and idempotency key", async () => {
    const i = input();
    const started = await stripe.start(i);
    const req = lastRequest();
    expect(req.method).toBe("POST");
    expect(req.path).toBe("/v1/checkout/sessions");
    expect(req.headers.authorization).toBe(`Bearer ${fake.secretKey}`);
    expect(req.headers["idempotency-key"]).toBe(i.reference);
    expect(req.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(req.body))).toEqual({
      mode: "payment",
      "line_items[0][price_data][currency]": "usd",
      "line_items[0][price_data][unit_amount]": "2500",
      "line_items[0][price_data][product_data][name]": "Invoice #1042",
      "line_items[0][quantity]": "1",
      success_url: "https://acme.example.test/portal/pay?payment=1&status=success",
      cancel_url: "https://acme.example.test/portal/pay?payment=1&status=cancelled",
      client_reference_id: i.reference,
      "metadata[payment_id]": i.reference,
      customer_email: "jane@example.test",
    });
    expect(started.providerRef).toMatch(/^cs_test_/);
    expect(started.redirectUrl).toBe(`${fake.url}/c/pay/${started.providerRef}`);
    expect(started.customerMessage).toBeUndefined();
  });

  it("leaves customer_email out when the subscriber has none, or a malformed one", async () => {
    for (const email of [null, undefined, "", "not an address"]) {
      await stripe.start(input({ customer: { email } }));
      expect(new URLSearchParams(lastRequest().body).has("customer_email")).toBe(false);
    }
  });

  it("gets the same session back when a start is retried (idempotency key = our payment id)", async () => {
    const i = input();
    const first = await stripe.start(i);
    const again = await stripe.start(i);
    expect(again.providerRef).toBe(first.providerRef);
    // The same key with another amount is Stripe's idempotency_error, not a second session.
    await expect(stripe.start({ ...i, amountCents: 9999 })).rejects.toMatchObject({
      details: { status: 400, providerCode: "idempotency_error", retryable: false },
    });
  });

  it("sends zero-decimal currencies in whole units (UGX)", async () => {
    await stripe.start(input({ currency: "UGX", amountCents: 5_000_000 }));
    expect(new URLSearchParams(lastRequest().body).get("line_items[0][price_data][unit_amount]")).toBe("50000");
  });

  it("reports a refused key as Stripe's 401, without repeating the key", async () => {
    const bad = createProvider(
      "stripe",
      { ...fake.config(), secretKey: "sk_test_wrongwrongwrong9876" },
      { allowLoopbackApiBase: true },
    );
    const err = await bad.start(input()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaymentProviderError);
    expect(err).toMatchObject({ details: { status: 401, providerCode: "invalid_request_error", retryable: false } });
    expect((err as Error).message).toMatch(/^Stripe refused the request: Invalid API Key provided/);
    expect((err as Error).message).not.toContain("sk_test_wrongwrongwrong9876");
  });

  it("reports an unreachable Stripe as retryable", async () => {
    const down = createProvider(
      "stripe",
      { ...fake.config(), apiBase: "http://127.0.0.1:1" },
      {
        allowLoopbackApiBase: true,
      },
    );
    await expect(down.start(input())).rejects.toMatchObject({ details: { retryable: true } });
  });

  it("runs the whole flow: start → customer pays → signed webhook → succeeded", async () => {
    fake.webhookUrl = `${receiver.url}/api/payments/stripe/webhook`;
    try {
      const i = input({ amountCents: 4200, currency: "EUR" });
      const started = await stripe.start(i);
      expect(await stripe.query(started.providerRef)).toEqual({ kind: "pending" });

      const hook = await fake.completeSession(started.providerRef);
      expect(hook.delivery?.status).toBe(200);
      // What our endpoint got over HTTP, byte for byte, is what gets verified.
      const got = receiver.received.at(-1);
      if (!got) throw new Error("no delivery");
      expect(got.headers["stripe-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
      const outcome = await stripe.parseCallback({ headers: got.headers, rawBody: got.rawBody });
      expect(outcome).toEqual({
        kind: "succeeded",
        providerRef: started.providerRef,
        amountCents: 4200,
        currency: "EUR",
        providerTxnId: fake.sessions.get(started.providerRef)?.payment_intent,
        eventId: hook.event.id,
      });
      expect(await stripe.query(started.providerRef)).toMatchObject({
        kind: "succeeded",
        amountCents: 4200,
        currency: "EUR",
        eventId: `stripe:${started.providerRef}`,
      });
    } finally {
      fake.webhookUrl = undefined;
    }
  });

  it("delivers to a tenant host through a given address, keeping the Host header (as DNS and Caddy would)", async () => {
    const port = new URL(receiver.url).port;
    fake.webhookUrl = `http://acme.proxpanel.test:${port}/api/payments/stripe/webhook`;
    fake.deliverVia = `127.0.0.1:${port}`;
    try {
      const { providerRef } = await stripe.start(input());
      const hook = await fake.completeSession(providerRef);
      expect(hook.delivery?.status).toBe(200);
      const got = receiver.received.at(-1);
      expect(got?.headers.host).toBe(`acme.proxpanel.test:${port}`);
      expect(got?.path).toBe("/api/payments/stripe/webhook");
      expect(got?.rawBody).toBe(hook.rawBody);
    } finally {
      fake.webhookUrl = undefined;
      fake.deliverVia = undefined;
    }
  });

  it("follows an asynchronous payment: completed unpaid is not a success, then it succeeds", async () => {
    const { providerRef } = await stripe.start(input({ amountCents: 1000, currency: "GBP" }));
    const completed = await fake.completeSession(providerRef, { paid: false });
    expect(await stripe.parseCallback(completed)).toEqual({
      kind: "ignored",
      reason: "session completed with payment_status unpaid",
    });
    expect(await stripe.query(providerRef)).toEqual({ kind: "pending" });
    const settled = await fake.settleAsyncPayment(providerRef, { succeeded: true });
    expect(await stripe.parseCallback(settled)).toMatchObject({
      kind: "succeeded",
      amountCents: 1000,
      currency: "GBP",
    });
  });

  it("reports a failed asynchronous payment and an expired session as failed", async () => {
    const a = await stripe.start(input());
    await fake.completeSession(a.providerRef, { paid: false });
    const failed = await fake.settleAsyncPayment(a.providerRef, { succeeded: false });
    expect(await stripe.parseCallback(failed)).toEqual({
      kind: "failed",
      providerRef: a.providerRef,
      reason: "the payment failed",
      eventId: failed.event.id,
    });

    const b = await stripe.start(input());
    const expired = await fake.expireSession(b.providerRef);
    expect(await stripe.parseCallback(expired)).toMatchObject({
      kind: "failed",
      reason: "the checkout session expired",
    });
    expect(await stripe.query(b.providerRef)).toMatchObject({ kind: "failed", providerRef: b.providerRef });
  });

  it("converts a zero-decimal amount back to our cents", async () => {
    const { providerRef } = await stripe.start(input({ currency: "UGX", amountCents: 5_000_000 }));
    const hook = await fake.completeSession(providerRef);
    expect(await stripe.parseCallback(hook)).toMatchObject({ amountCents: 5_000_000, currency: "UGX" });
  });

  it("ignores other event types and sessions ProxPanel did not start", async () => {
    const other = fake.signedEvent(fake.event("invoice.paid", { id: "in_1", object: "invoice" }));
    expect(await stripe.parseCallback(other)).toEqual({ kind: "ignored", reason: "event type invoice.paid" });
    const { providerRef } = await stripe.start(input());
    const session = { ...fake.sessions.get(providerRef), metadata: {}, payment_status: "paid", status: "complete" };
    const foreign = fake.signedEvent(fake.event("checkout.session.completed", session));
    expect(await stripe.parseCallback(foreign)).toEqual({
      kind: "ignored",
      reason: "a Checkout Session not started by ProxPanel",
    });
  });

  it("answers query for an unknown session with Stripe's 404", async () => {
    await expect(stripe.query("cs_test_doesnotexist")).rejects.toMatchObject({
      details: { status: 404, providerCode: "resource_missing" },
    });
  });
});
