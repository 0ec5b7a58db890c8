import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";

let stack: Stack;
let a: TestTenant;
let subscriberId: string;

const op = (method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: a.host, token: a.token, ...(body === undefined ? {} : { body }) });

beforeAll(async () => {
  stack = await startStack();
  a = await signupTenant(stack);
  const plan = await op("POST", "/api/plans", { name: "R", downloadKbps: 1, uploadKbps: 1 });
  subscriberId = (
    await op("POST", "/api/subscribers", { username: "payer1", password: "pw-1234", planId: plan.body.plan.id })
  ).body.subscriber.id;
});
afterAll(() => stack.close());

describe("recording money received", () => {
  it("keeps each payment's method, reference and day received, part payments included", async () => {
    const inv = (await op("POST", "/api/invoices", { subscriberId, amountCents: 1_000, description: "May" })).body
      .invoice;
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    const part = await op("POST", `/api/invoices/${inv.id}/payments`, {
      amountCents: 400,
      method: "mobile_money",
      reference: "QX12AB34",
      receivedAt: yesterday,
    });
    expect(part.status).toBe(201);
    expect((await op("GET", `/api/invoices/${inv.id}`)).body.invoice).toMatchObject({
      status: "unpaid",
      amountPaidCents: 400,
    });
    const rest = await op("POST", `/api/invoices/${inv.id}/payments`, {});
    expect(rest.status).toBe(201);
    expect((await op("GET", `/api/invoices/${inv.id}`)).body.invoice.status).toBe("paid");

    const onAccount = await op("POST", "/api/transactions/payments", {
      subscriberId,
      amountCents: 250,
      description: "advance",
      method: "bank_transfer",
      reference: "TRF-889",
    });
    expect(onAccount.status).toBe(201);
    const list = await op("GET", `/api/transactions?subscriberId=${subscriberId}&limit=50`);
    const payments = list.body.items.filter((t: { type: string }) => t.type === "payment");
    expect(payments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          amountCents: 400,
          method: "mobile_money",
          reference: "QX12AB34",
          receivedAt: yesterday,
        }),
        expect.objectContaining({ amountCents: 600, method: "cash", reference: null }),
        expect.objectContaining({ amountCents: 250, method: "bank_transfer", reference: "TRF-889" }),
      ]),
    );
    // Charges and adjustments are not money received: no method.
    expect(
      list.body.items.filter((t: { type: string; method: string | null }) => t.type !== "payment" && t.method),
    ).toEqual([]);
  });

  it("refuses an unknown method, a day in the future and an empty reference, recording nothing", async () => {
    const inv = (await op("POST", "/api/invoices", { subscriberId, amountCents: 500, description: "June" })).body
      .invoice;
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    expectError(await op("POST", `/api/invoices/${inv.id}/payments`, { method: "bitcoin" }), 400, "validation_error");
    expectError(
      await op("POST", `/api/invoices/${inv.id}/payments`, { receivedAt: tomorrow }),
      400,
      "validation_error",
    );
    expectError(await op("POST", `/api/invoices/${inv.id}/payments`, { reference: "" }), 400, "validation_error");
    expectError(
      await op("POST", `/api/invoices/${inv.id}/payments`, { receivedAt: "yesterday" }),
      400,
      "validation_error",
    );
    expect((await op("GET", `/api/invoices/${inv.id}`)).body.invoice).toMatchObject({
      status: "unpaid",
      amountPaidCents: 0,
    });
  });
});
