import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { expectError, userWith } from "../settings/test-support.ts";

let stack: Stack;
let a: TestTenant;
let b: TestTenant;

beforeAll(async () => {
  stack = await startStack();
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
});
afterAll(() => stack.close());

describe("billing settings and tax rates: who may", () => {
  it("lets billing.view read but not edit, and refuses anyone without it", async () => {
    const viewer = await userWith(stack, a, ["billing.view"]);
    const nobody = await userWith(stack, a, ["subscribers.view"]);
    const as = (token: string, method: string, path: string, body?: unknown) =>
      stack.request(method, path, { host: a.host, token, body });
    expect((await as(viewer, "GET", "/api/billing/tax-rates")).status).toBe(200);
    expect((await as(viewer, "GET", "/api/billing/settings")).status).toBe(200);
    expectError(
      await as(viewer, "POST", "/api/billing/tax-rates", { name: "VAT", basisPoints: 1600 }),
      403,
      "forbidden",
    );
    expectError(await as(viewer, "PATCH", "/api/billing/settings", { graceDays: 0 }), 403, "forbidden");
    expectError(await as(nobody, "GET", "/api/billing/tax-rates"), 403, "forbidden");
    expectError(await stack.request("GET", "/api/billing/settings", { host: a.host }), 401, "unauthorized");
  });

  it("keeps one tenant's rates away from another's invoices and API", async () => {
    const rate = await stack.request("POST", "/api/billing/tax-rates", {
      host: a.host,
      token: a.token,
      body: { name: "A-VAT", basisPoints: 1600 },
    });
    expect(rate.status).toBe(201);
    // A's token on B's host, and B's own view of the rate.
    expectError(
      await stack.request("GET", "/api/billing/tax-rates", { host: b.host, token: a.token }),
      401,
      "unauthorized",
    );
    const bList = await stack.request("GET", "/api/billing/tax-rates", { host: b.host, token: b.token });
    expect(bList.body.items).toEqual([]);
    expectError(
      await stack.request("PATCH", `/api/billing/tax-rates/${rate.body.taxRate.id}`, {
        host: b.host,
        token: b.token,
        body: { basisPoints: 0 },
      }),
      404,
      "not_found",
    );
  });
});
