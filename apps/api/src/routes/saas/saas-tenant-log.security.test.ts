import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, superAdminSession } from "../../../../../tests/harness.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

describe("console: a tenant's own audit log", () => {
  it("shows the super-admin the tenant's entries, read-only, and nothing to anyone else", async () => {
    const a = await signupTenant(stack);
    const b = await signupTenant(stack);
    await stack.request("POST", "/api/plans", {
      host: a.host,
      token: a.token,
      body: { name: "Logged", downloadKbps: 1, uploadKbps: 1 },
    });
    const op = await superAdminSession(stack);
    const log = await stack.request("GET", `/api/saas/audit/tenants/${a.id}?limit=100`, { token: op.token });
    expect(log.status).toBe(200);
    const actions = log.body.items.map((e: { action: string }) => e.action);
    expect(actions).toContain("plan.create");
    const bLog = await stack.request("GET", `/api/saas/audit/tenants/${b.id}?limit=100`, { token: op.token });
    expect(bLog.body.items.map((e: { action: string }) => e.action)).not.toContain("plan.create");
    // Tenants' tokens, and tenant hosts, reach none of it.
    expectError(await stack.request("GET", `/api/saas/audit/tenants/${a.id}`, { token: a.token }), 401, "unauthorized");
    expectError(
      await stack.request("GET", `/api/saas/audit/tenants/${a.id}`, { host: a.host, token: op.token }),
      404,
      "not_found",
    );
    expectError(
      await stack.request("GET", `/api/saas/audit/tenants/${crypto.randomUUID()}`, { token: op.token }),
      404,
      "not_found",
    );
    expectError(
      await stack.request("POST", `/api/saas/audit/tenants/${a.id}`, { token: op.token, body: {} }),
      404,
      "not_found",
    );
  });
});
