import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PaymentPayloadError, PaymentProviderError, PaymentSignatureError } from "./errors.ts";
import { createProvider } from "./factory.ts";
import {
  type FakeMpesa,
  type FakeStripe,
  type Receiver,
  startFakeMpesa,
  startFakeStripe,
  startReceiver,
} from "./testing/index.ts";
import type { PaymentProvider, StartPaymentInput } from "./types.ts";

// Trying to get a payment marked paid without paying: forged, replayed, tampered or contradicted
// callbacks. Each must throw, never return "succeeded".

let stripeFake: FakeStripe;
let mpesaFake: FakeMpesa;
let receiver: Receiver;
let stripe: PaymentProvider;
let mpesa: PaymentProvider;

beforeAll(async () => {
  [stripeFake, mpesaFake, receiver] = await Promise.all([startFakeStripe(), startFakeMpesa(), startReceiver()]);
  stripe = createProvider("stripe", stripeFake.config(), { allowLoopbackApiBase: true });
  mpesa = createProvider("mpesa", mpesaFake.config(), { allowLoopbackApiBase: true });
});
afterAll(async () => {
  await Promise.all([stripeFake.close(), mpesaFake.close(), receiver.close()]);
});

function input(overrides: Partial<StartPaymentInput> = {}): StartPaymentInput {
  const reference = randomUUID();
  return {
    reference,
    amountCents: 100_000,
    currency: "KES",
    description: "Renewal",
    customer: { email: "a@example.test", phone: "0712345678" },
    returnUrl: "https://acme.example.test/portal",
    callbackUrl: `${receiver.url}/cb/${reference}`,
    ...overrides,
  };
}

async function paidEvent() {
  const { providerRef } = await stripe.start(input({ currency: "USD" }));
  const session = { ...stripeFake.sessions.get(providerRef), status: "complete", payment_status: "paid" };
  return stripeFake.event("checkout.session.completed", session);
}

const rejection = (p: Promise<unknown>) =>
  p.then(
    () => new Error("accepted"),
    (e: unknown) => e,
  );

function expectError(err: unknown, type: new (...args: never[]) => Error, props: Record<string, unknown>) {
  expect(err).toBeInstanceOf(type);
  expect(err).toMatchObject(props);
}

describe("Stripe webhook authenticity", () => {
  it("accepts the genuine article (the baseline the other cases vary)", async () => {
    const signed = stripeFake.signedEvent(await paidEvent());
    expect(await stripe.parseCallback(signed)).toMatchObject({ kind: "succeeded" });
  });

  it("refuses a body signed with another secret", async () => {
    const forged = stripeFake.signedEvent(await paidEvent(), { secret: "whsec_attackerattackerattacker" });
    expectError(await rejection(stripe.parseCallback(forged)), PaymentSignatureError, { reason: "mismatch" });
  });

  it("refuses a made-up signature, and a signature of the right length over nothing", async () => {
    const event = await paidEvent();
    const rawBody = JSON.stringify(event);
    const t = Math.floor(Date.now() / 1000);
    for (const sig of [`t=${t},v1=${randomBytes(32).toString("hex")}`, `t=${t},v1=${"0".repeat(64)}`]) {
      const err = await rejection(stripe.parseCallback({ headers: { "Stripe-Signature": sig }, rawBody }));
      expectError(err, PaymentSignatureError, { reason: "mismatch" });
    }
  });

  it("refuses a genuine signature on a tampered body (amount raised after signing)", async () => {
    const signed = stripeFake.signedEvent(await paidEvent());
    const rawBody = signed.rawBody.replace(/"amount_total": \d+/, '"amount_total": 99999999');
    expect(rawBody).not.toBe(signed.rawBody);
    expect(await rejection(stripe.parseCallback({ ...signed, rawBody }))).toBeInstanceOf(PaymentSignatureError);
  });

  it("refuses a replay older than five minutes, and a timestamp from the future", async () => {
    const event = await paidEvent();
    const now = new Date();
    const t = Math.floor(now.getTime() / 1000);
    const stale = stripeFake.signedEvent(event, { timestamp: t - 301 });
    expect(await rejection(stripe.parseCallback({ ...stale, now }))).toMatchObject({ reason: "stale" });
    const future = stripeFake.signedEvent(event, { timestamp: t + 301 });
    expect(await rejection(stripe.parseCallback({ ...future, now }))).toMatchObject({ reason: "stale" });
    // The same delivery inside the window is fine; the window is measured against `now`.
    const fresh = stripeFake.signedEvent(event, { timestamp: t - 299 });
    expect(await stripe.parseCallback({ ...fresh, now })).toMatchObject({ kind: "succeeded" });
    expect(await rejection(stripe.parseCallback({ ...fresh, now: new Date(now.getTime() + 3_600_000) }))).toMatchObject(
      {
        reason: "stale",
      },
    );
  });

  it("refuses a missing or malformed header, and a v0-only one", async () => {
    const signed = stripeFake.signedEvent(await paidEvent());
    const v1 = signed.headers["stripe-signature"]?.split(",v1=")[1] ?? "";
    const t = signed.headers["stripe-signature"]?.split(",")[0] ?? "";
    const cases: [Record<string, string | undefined>, string][] = [
      [{}, "missing"],
      [{ "stripe-signature": undefined }, "missing"],
      [{ "stripe-signature": "garbage" }, "malformed"],
      [{ "stripe-signature": `v1=${v1}` }, "malformed"],
      [{ "stripe-signature": `${t},v0=${v1}` }, "malformed"],
      [{ "stripe-signature": `${t},v1=${v1.slice(0, 63)}` }, "malformed"],
    ];
    for (const [headers, reason] of cases) {
      expect(await rejection(stripe.parseCallback({ headers, rawBody: signed.rawBody }))).toMatchObject({ reason });
    }
  });

  it("accepts one valid v1 among several (a secret being rolled)", async () => {
    const signed = stripeFake.signedEvent(await paidEvent());
    const header = signed.headers["stripe-signature"] ?? "";
    const rolled = `${header},v1=${randomBytes(32).toString("hex")}`;
    const reordered = header.replace(/^(t=\d+),/, `$1,v1=${randomBytes(32).toString("hex")},`);
    for (const h of [rolled, reordered]) {
      expect(await stripe.parseCallback({ headers: { "Stripe-Signature": h }, rawBody: signed.rawBody })).toMatchObject(
        {
          kind: "succeeded",
        },
      );
    }
  });

  it("calls a correctly signed body that is not an event malformed, not forged", async () => {
    for (const body of ["not json", "[]", JSON.stringify({ id: "evt_1", type: "checkout.session.completed" })]) {
      const err = await rejection(stripe.parseCallback(stripeFake.signedEvent(body)));
      expect(err).toBeInstanceOf(PaymentPayloadError);
    }
    const noSession = stripeFake.event("checkout.session.completed", { id: "cs_1", object: "invoice" });
    expect(await rejection(stripe.parseCallback(stripeFake.signedEvent(noSession)))).toBeInstanceOf(
      PaymentPayloadError,
    );
  });
});

describe("M-Pesa callback authenticity (Daraja signs nothing: the query decides)", () => {
  async function pushed() {
    const { providerRef } = await mpesa.start(input());
    return providerRef;
  }
  const expected = { amountCents: 100_000, currency: "KES" };

  it("refuses a forged success for a push the subscriber cancelled", async () => {
    const id = await pushed();
    await mpesaFake.completeStk(id, { resultCode: 1032, deliver: false });
    const forged = await mpesaFake.forgeCallback(id, { resultCode: 0, deliver: false });
    const err = await rejection(mpesa.parseCallback({ headers: {}, rawBody: forged.rawBody, expected }));
    expect(err).toBeInstanceOf(PaymentSignatureError);
    expect(err).toMatchObject({ reason: "contradicted" });
  });

  it("does not take a forged success while the push is still open (pending, ask again later)", async () => {
    const id = await pushed();
    const forged = await mpesaFake.forgeCallback(id, { resultCode: 0 });
    expect(forged.delivery?.status).toBe(200);
    const got = receiver.received.at(-1);
    const err = await rejection(
      mpesa.parseCallback({ headers: got?.headers ?? {}, rawBody: got?.rawBody ?? "", expected }),
    );
    expect(err).toBeInstanceOf(PaymentProviderError);
    expect(err).toMatchObject({ details: { retryable: true } });
    expect(await mpesa.query(id, expected)).toEqual({ kind: "pending" });
  });

  it("refuses a callback naming a CheckoutRequestID Daraja never issued", async () => {
    const forged = await mpesaFake.forgeCallback("ws_CO_000000000000000000", { resultCode: 0, deliver: false });
    expectError(await rejection(mpesa.parseCallback({ headers: {}, rawBody: forged.rawBody })), PaymentSignatureError, {
      reason: "unknown",
    });
  });

  it("refuses a replayed success carrying another MerchantRequestID", async () => {
    const id = await pushed();
    await mpesaFake.completeStk(id, { deliver: false });
    const forged = await mpesaFake.forgeCallback(id, { merchantRequestId: "1-2-3", deliver: false });
    expect(await rejection(mpesa.parseCallback({ headers: {}, rawBody: forged.rawBody, expected }))).toMatchObject({
      reason: "contradicted",
    });
  });

  it("refuses a success whose stated amount is not what was pushed", async () => {
    const id = await pushed();
    await mpesaFake.completeStk(id, { deliver: false });
    const inflated = await mpesaFake.forgeCallback(id, { amount: 100_000, deliver: false });
    expectError(
      await rejection(mpesa.parseCallback({ headers: {}, rawBody: inflated.rawBody, expected })),
      PaymentSignatureError,
      { reason: "contradicted" },
    );
    // Another currency expected than M-Pesa can take is a mismatch too.
    const genuine = await mpesaFake.forgeCallback(id, { deliver: false });
    expect(
      await rejection(
        mpesa.parseCallback({
          headers: {},
          rawBody: genuine.rawBody,
          expected: { amountCents: 100_000, currency: "USD" },
        }),
      ),
    ).toMatchObject({ reason: "contradicted" });
  });

  it("refuses a failure callback for a push that was paid (the query wins either way)", async () => {
    const id = await pushed();
    await mpesaFake.completeStk(id, { deliver: false });
    const forged = await mpesaFake.forgeCallback(id, { resultCode: 1032, deliver: false });
    expect(await rejection(mpesa.parseCallback({ headers: {}, rawBody: forged.rawBody }))).toMatchObject({
      reason: "contradicted",
    });
  });

  it("calls a malformed body malformed, without asking Daraja", async () => {
    const before = mpesaFake.requests.length;
    const bodies = [
      "",
      "{",
      "{}",
      JSON.stringify({ Body: { stkCallback: { CheckoutRequestID: "x" } } }),
      // A success that states no amount or receipt.
      JSON.stringify({
        Body: { stkCallback: { MerchantRequestID: "m", CheckoutRequestID: "c", ResultCode: 0, ResultDesc: "ok" } },
      }),
    ];
    for (const rawBody of bodies) {
      expect(await rejection(mpesa.parseCallback({ headers: {}, rawBody }))).toBeInstanceOf(PaymentPayloadError);
    }
    expect(mpesaFake.requests.length).toBe(before);
  });

  it("refuses a CheckoutRequestID that would change the query's meaning", async () => {
    const forged = await mpesaFake.forgeCallback('ws_CO_1", "BusinessShortCode": "600000', {
      deliver: false,
    });
    expect(await rejection(mpesa.parseCallback({ headers: {}, rawBody: forged.rawBody }))).toMatchObject({
      field: "providerRef",
    });
  });
});

describe("secrets stay secret", () => {
  it("never puts a credential in an error, even when every call fails", async () => {
    const secrets = {
      consumerKey: "consumer-key-SECRET-1",
      consumerSecret: "consumer-secret-SECRET-2",
      passkey: "passkey-SECRET-3",
    };
    const p = createProvider("mpesa", { ...mpesaFake.config(), ...secrets }, { allowLoopbackApiBase: true });
    const errors = await Promise.all([
      rejection(p.start(input())),
      rejection(p.query("ws_CO_x", { amountCents: 100, currency: "KES" })),
    ]);
    for (const err of errors) {
      const text = `${(err as Error).message} ${JSON.stringify(err)}`;
      for (const s of Object.values(secrets)) expect(text).not.toContain(s);
    }
  });
});
