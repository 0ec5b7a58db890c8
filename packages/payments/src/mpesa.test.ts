import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PaymentInputError, PaymentProviderError } from "./errors.ts";
import { createProvider } from "./factory.ts";
import { type FakeMpesa, type Receiver, startFakeMpesa, startReceiver } from "./testing/index.ts";
import type { PaymentProvider, StartPaymentInput } from "./types.ts";

let fake: FakeMpesa;
let receiver: Receiver;
let mpesa: PaymentProvider;

beforeAll(async () => {
  [fake, receiver] = await Promise.all([startFakeMpesa(), startReceiver()]);
  mpesa = createProvider("mpesa", fake.config(), { allowLoopbackApiBase: true });
});
afterAll(async () => {
  await Promise.all([fake.close(), receiver.close()]);
});

function input(overrides: Partial<StartPaymentInput> = {}): StartPaymentInput {
  const reference = randomUUID();
  return {
    reference,
    amountCents: 150_000,
    currency: "KES",
    description: "Invoice #1042",
    customer: { email: null, phone: "0712 345 678" },
    returnUrl: "https://acme.example.test/portal",
    callbackUrl: `${receiver.url}/api/payments/mpesa/callback/${reference}/token`,
    ...overrides,
  };
}

const pushes = () => fake.requests.filter((r) => r.path === "/mpesa/stkpush/v1/processrequest");
const lastCallback = () => {
  const got = receiver.received.at(-1);
  if (!got) throw new Error("no callback reached the receiver");
  return got;
};

describe("M-Pesa STK push", () => {
  it("authenticates with OAuth client credentials and pushes the documented body", async () => {
    const at = new Date("2024-12-31T21:30:05Z"); // 00:30:05 on 1 January in Nairobi
    const clocked = createProvider("mpesa", fake.config(), { allowLoopbackApiBase: true, now: () => at });
    const i = input();
    const started = await clocked.start(i);

    const oauth = fake.requests.find((r) => r.path === "/oauth/v1/generate");
    expect(oauth?.method).toBe("GET");
    expect(oauth?.query).toEqual({ grant_type: "client_credentials" });
    expect(oauth?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${fake.consumerKey}:${fake.consumerSecret}`).toString("base64")}`,
    );

    const push = pushes().at(-1);
    expect(push?.headers.authorization).toMatch(/^Bearer \w+$/);
    expect(push?.headers["content-type"]).toBe("application/json");
    const body = JSON.parse(push?.body ?? "{}");
    expect(body).toEqual({
      BusinessShortCode: fake.shortcode,
      Password: Buffer.from(`${fake.shortcode}${fake.passkey}20250101003005`).toString("base64"),
      Timestamp: "20250101003005",
      TransactionType: "CustomerPayBillOnline",
      Amount: 1500,
      PartyA: "254712345678",
      PartyB: fake.shortcode,
      PhoneNumber: "254712345678",
      CallBackURL: i.callbackUrl,
      AccountReference: i.reference.replace(/-/g, "").slice(0, 12).toUpperCase(),
      TransactionDesc: "Invoice 1042",
    });
    expect(started.providerRef).toBe([...fake.stkRequests.keys()].at(-1));
    expect(started.customerMessage).toBe("Check your phone and enter your M-Pesa PIN to pay KES 1,500");
    expect(started.redirectUrl).toBeUndefined();
  });

  it("pays a Buy Goods till: PartyB is the till, BusinessShortCode the store", async () => {
    const till = await startFakeMpesa({ tillNumber: "5123456" });
    try {
      const p = createProvider("mpesa", till.config(), { allowLoopbackApiBase: true });
      await p.start(input());
      const body = JSON.parse(till.requests.at(-1)?.body ?? "{}");
      expect(body).toMatchObject({
        TransactionType: "CustomerBuyGoodsOnline",
        BusinessShortCode: till.shortcode,
        PartyB: "5123456",
      });
    } finally {
      await till.close();
    }
  });

  it("reuses the access token until Daraja refuses it, then fetches one more and retries once", async () => {
    const own = await startFakeMpesa();
    try {
      const p = createProvider("mpesa", own.config(), { allowLoopbackApiBase: true });
      await p.start(input());
      await p.start(input());
      // Providers are built per request; the token cache is shared between them.
      await createProvider("mpesa", own.config(), { allowLoopbackApiBase: true }).start(input());
      expect(own.tokensIssued).toBe(1);
      own.revokeTokens();
      await p.start(input());
      expect(own.tokensIssued).toBe(2);
      expect(own.stkRequests.size).toBe(4);
    } finally {
      await own.close();
    }
  });

  it("refuses a non-KES currency, cents, a foreign phone and no phone before calling Daraja", async () => {
    const before = fake.requests.length;
    await expect(mpesa.start(input({ currency: "USD" }))).rejects.toThrow(
      new PaymentInputError("currency", "M-Pesa takes Kenyan shillings (KES) only, not USD"),
    );
    await expect(mpesa.start(input({ amountCents: 150_050 }))).rejects.toMatchObject({
      field: "amountCents",
      message: "M-Pesa takes whole shillings only: KES 1500.50 cannot be charged",
    });
    await expect(mpesa.start(input({ customer: { phone: "+255712345678" } }))).rejects.toMatchObject({
      field: "customer.phone",
    });
    await expect(mpesa.start(input({ customer: { phone: null } }))).rejects.toMatchObject({
      field: "customer.phone",
      message: "M-Pesa needs the subscriber's phone number",
    });
    expect(fake.requests.length).toBe(before);
  });

  it("reports wrong consumer credentials and a wrong passkey with Daraja's codes", async () => {
    const badKey = createProvider(
      "mpesa",
      { ...fake.config(), consumerSecret: "not-the-secret" },
      {
        allowLoopbackApiBase: true,
      },
    );
    const err = await badKey.start(input()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PaymentProviderError);
    expect(err).toMatchObject({
      message: "M-Pesa refused the consumer key and secret: Invalid Authentication passed",
      details: { status: 400, providerCode: "400.008.01", retryable: false },
    });
    expect((err as Error).message).not.toContain("not-the-secret");

    const badPasskey = createProvider(
      "mpesa",
      { ...fake.config(), passkey: "wrong-passkey-123" },
      {
        allowLoopbackApiBase: true,
      },
    );
    await expect(badPasskey.start(input())).rejects.toMatchObject({
      message: "M-Pesa refused the STK push: Wrong credentials",
      details: { status: 500, providerCode: "500.001.1001" },
    });
  });

  it("runs the whole flow: push → subscriber pays → callback → confirmed by the query → succeeded", async () => {
    const { providerRef } = await mpesa.start(input());
    expect(await mpesa.query(providerRef, { amountCents: 150_000, currency: "KES" })).toEqual({ kind: "pending" });

    const cb = await fake.completeStk(providerRef, { resultCode: 0 });
    expect(cb.delivery?.status).toBe(200);
    const got = lastCallback();
    const queriesBefore = fake.requests.filter((r) => r.path === "/mpesa/stkpushquery/v1/query").length;
    const outcome = await mpesa.parseCallback({
      headers: got.headers,
      rawBody: got.rawBody,
      expected: { amountCents: 150_000, currency: "KES" },
    });
    expect(outcome).toEqual({
      kind: "succeeded",
      providerRef,
      amountCents: 150_000,
      currency: "KES",
      providerTxnId: fake.stkRequests.get(providerRef)?.result?.receipt,
      eventId: `mpesa:${providerRef}`,
    });
    // The callback alone was not believed: the query API was asked, with a fresh password.
    const queries = fake.requests.filter((r) => r.path === "/mpesa/stkpushquery/v1/query");
    expect(queries.length).toBe(queriesBefore + 1);
    const q = JSON.parse(queries.at(-1)?.body ?? "{}");
    expect(q).toMatchObject({ BusinessShortCode: fake.shortcode, CheckoutRequestID: providerRef });
    expect(Buffer.from(q.Password, "base64").toString()).toBe(`${fake.shortcode}${fake.passkey}${q.Timestamp}`);

    expect(await mpesa.query(providerRef, { amountCents: 150_000, currency: "KES" })).toEqual({
      kind: "succeeded",
      providerRef,
      amountCents: 150_000,
      currency: "KES",
      eventId: `mpesa:${providerRef}`,
    });
  });

  it("reports a push the subscriber cancelled (1032) as failed, by callback and by query", async () => {
    const { providerRef } = await mpesa.start(input());
    await fake.completeStk(providerRef, { resultCode: 1032 });
    const got = lastCallback();
    const failed = {
      kind: "failed",
      providerRef,
      reason: "Request cancelled by user (M-Pesa 1032)",
      eventId: `mpesa:${providerRef}`,
    };
    expect(await mpesa.parseCallback({ headers: got.headers, rawBody: got.rawBody })).toEqual(failed);
    expect(await mpesa.query(providerRef)).toEqual(failed);
  });

  it("needs the requested amount to report a success found by query (Daraja's query has none)", async () => {
    const { providerRef } = await mpesa.start(input());
    await fake.completeStk(providerRef, { deliver: false });
    await expect(mpesa.query(providerRef)).rejects.toMatchObject({ field: "expected" });
  });
});
