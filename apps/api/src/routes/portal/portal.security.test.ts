import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { type PortalFixture, portalFixture, portalSignIn } from "./portal-test-support.ts";

let stack: Stack;
let a: TestTenant;
let b: TestTenant;
let fa: PortalFixture;
let fb: PortalFixture;
let portalA: string;

const call = (t: TestTenant, token: string | undefined, method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: t.host, ...(token ? { token } : {}), ...(body === undefined ? {} : { body }) });

beforeAll(async () => {
  stack = await startStack();
  a = await signupTenant(stack);
  b = await signupTenant(stack);
  fa = await portalFixture(stack, a, "carol");
  // The same username and password in another tenant: sign-in must still pick this host's.
  fb = await portalFixture(stack, b, "carol");
  portalA = await portalSignIn(stack, a, "carol", fa.password);
});
afterAll(() => stack.close());

const PORTAL_ROUTES: [string, string, unknown?][] = [
  ["GET", "/api/portal/me"],
  ["GET", "/api/portal/usage"],
  ["GET", "/api/portal/sessions"],
  ["GET", "/api/portal/invoices"],
  ["GET", "/api/portal/payments"],
  ["GET", "/api/portal/plans"],
  ["PATCH", "/api/portal/profile", { phone: "1" }],
  ["POST", "/api/portal/password", { currentPassword: "x", newPassword: "yyyyy" }],
  ["POST", "/api/portal/renew"],
  ["POST", "/api/portal/plan", { planId: "00000000-0000-4000-8000-000000000000" }],
  ["POST", "/api/portal/logout"],
];

describe("portal realm isolation", () => {
  it("no portal route accepts an admin token, a missing token or a forged one", async () => {
    for (const [method, path, body] of PORTAL_ROUTES) {
      expectError(await call(a, a.token, method, path, body), 401, "unauthorized");
      expectError(await call(a, undefined, method, path, body), 401, "unauthorized");
      expectError(await call(a, `${portalA.slice(0, -4)}AAAA`, method, path, body), 401, "unauthorized");
    }
  });

  it("no admin route accepts a portal token", async () => {
    for (const path of ["/api/auth/me", "/api/subscribers", "/api/invoices", "/api/settings", "/api/settings/portal"]) {
      expectError(await call(a, portalA, "GET", path), 401, "unauthorized");
    }
    expectError(await call(a, portalA, "PUT", "/api/settings/portal", { allowPlanChange: true }), 401, "unauthorized");
  });

  it("a portal token of tenant A is refused on tenant B's host, and sign-in uses the host's subscribers", async () => {
    expectError(await call(b, portalA, "GET", "/api/portal/me"), 401, "unauthorized");
    const tokenB = await portalSignIn(stack, b, "carol", fb.password);
    const meB = await call(b, tokenB, "GET", "/api/portal/me");
    expect(meB.body.subscriber.id).toBe(fb.subscriberId);
    expect(meB.body.subscriber.id).not.toBe(fa.subscriberId);
    // A's password does not open B's account of the same name (each fixture has its own password).
    expectError(
      await stack.request("POST", "/api/portal/auth/login", {
        host: b.host,
        body: { username: "carol", password: "nope-x" },
      }),
      401,
      "unauthorized",
    );
  });

  it("a subscriber cannot reach another tenant's plan, nor another subscriber's data", async () => {
    await call(a, a.token, "PUT", "/api/settings/portal", { allowPlanChange: true });
    expectError(await call(a, portalA, "POST", "/api/portal/plan", { planId: fb.planId }), 400, "validation_error");
    const other = await call(a, a.token, "POST", "/api/subscribers", {
      username: "dave",
      password: "dave-1234",
      planId: fa.planId,
    });
    await call(a, a.token, "POST", "/api/invoices", {
      subscriberId: other.body.subscriber.id,
      amountCents: 5,
      description: "dave",
    });
    const inv = await call(a, portalA, "GET", "/api/portal/invoices?limit=100");
    expect(inv.body.items.every((i: { subscriberId: string }) => i.subscriberId === fa.subscriberId)).toBe(true);
    // No portal route takes a subscriber id: nothing to swap. Unknown fields are refused.
    expectError(
      await call(a, portalA, "PATCH", "/api/portal/profile", { id: other.body.subscriber.id, phone: "2" }),
      400,
      "validation_error",
    );
  });

  it("a deleted subscriber's token stops working at once", async () => {
    const gone = await call(a, a.token, "POST", "/api/subscribers", {
      username: "erin",
      password: "erin-1234",
      planId: fa.planId,
    });
    const token = await portalSignIn(stack, a, "erin", "erin-1234");
    expect((await call(a, a.token, "DELETE", `/api/subscribers/${gone.body.subscriber.id}`)).status).toBe(204);
    expectError(await call(a, token, "GET", "/api/portal/me"), 401, "unauthorized");
  });

  it("a portal token is not a handoff or console token", async () => {
    expectError(await call(a, undefined, "POST", "/api/auth/handoff", { token: portalA }), 401, "unauthorized");
    const apex = await stack.request("GET", "/api/saas/tenants", { token: portalA });
    expectError(apex, 401, "unauthorized");
  });
});
