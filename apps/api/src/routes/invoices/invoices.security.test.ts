import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { portalFixture, portalSignIn } from "../portal/portal-test-support.ts";
import { expectError, userWith } from "../settings/test-support.ts";

let stack: Stack;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  stack = await startStack();
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
});
afterAll(() => stack.close());

async function invoiceFor(t: TestTenant, subscriberId: string) {
  const r = await stack.request("POST", "/api/invoices", {
    host: t.host,
    token: t.token,
    body: { subscriberId, amountCents: 1_000, description: "Monthly" },
  });
  expect(r.status).toBe(201);
  return r.body.invoice.id as string;
}

describe("invoice PDFs: who gets which", () => {
  it("gives a subscriber only its own invoice: another's, another tenant's and a made-up id are 404", async () => {
    const alice = await portalFixture(stack, a, "alice");
    const bob = await portalFixture(stack, a, "bob");
    const carol = await portalFixture(stack, b, "carol");
    const aliceInv = await invoiceFor(a, alice.subscriberId);
    const bobInv = await invoiceFor(a, bob.subscriberId);
    const carolInv = await invoiceFor(b, carol.subscriberId);
    const token = await portalSignIn(stack, a, alice.username, alice.password);
    const get = (id: string, host = a.host, t = token) =>
      stack.request("GET", `/api/portal/invoices/${id}/pdf`, { host, token: t });
    expect((await get(aliceInv)).status).toBe(200);
    expectError(await get(bobInv), 404, "not_found");
    expectError(await get(carolInv), 404, "not_found");
    expectError(await get(crypto.randomUUID()), 404, "not_found");
    expectError(await get("not-a-uuid"), 400, "validation_error");
    // Alice's portal token on tenant B's host, for B's invoice: not accepted at all.
    expect((await get(carolInv, b.host)).status).toBe(401);
    // A staff token is not a portal token, and a portal token is not a staff token.
    expect((await get(aliceInv, a.host, a.token)).status).toBe(401);
    expect((await stack.request("GET", `/api/invoices/${aliceInv}/pdf`, { host: a.host, token })).status).toBe(401);
    expect((await stack.request("GET", `/api/portal/invoices/${aliceInv}/pdf`, { host: a.host })).status).toBe(401);
  });

  it("needs billing.view on the operator side and stays inside the tenant", async () => {
    const dave = await portalFixture(stack, a, "dave");
    const inv = await invoiceFor(a, dave.subscriberId);
    const noBilling = await userWith(stack, a, ["subscribers.view"]);
    expectError(
      await stack.request("GET", `/api/invoices/${inv}/pdf`, { host: a.host, token: noBilling }),
      403,
      "forbidden",
    );
    expectError(
      await stack.request("GET", `/api/invoices/${inv}/pdf`, { host: b.host, token: b.token }),
      404,
      "not_found",
    );
  });
});
