import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import {
  type Stack,
  signupTenant,
  startStack,
  superAdminSession,
  type TestTenant,
} from "../../../../../tests/harness.ts";

// Moving a tenant between database nodes is an operator action: only super-admin tokens, only a
// valid tenant id and a host:port, whatever the database.
let stack: Stack;
let tenant: TestTenant;
let op: Awaited<ReturnType<typeof superAdminSession>>;
beforeAll(async () => {
  stack = await startStack();
  tenant = await signupTenant(stack);
  op = await superAdminSession(stack);
});
afterAll(() => stack.close());

describe("tenant move and placement: who and what", () => {
  const paths = (id: string) => [
    ["GET", `/api/saas/tenants/${id}/placement`],
    ["POST", `/api/saas/tenants/${id}/move`],
  ];

  it("no token, or a tenant's own token (even its owner's), is refused", async () => {
    for (const [method, path] of paths(tenant.id) as [string, string][]) {
      const body = method === "POST" ? { node: "127.0.0.1:5432" } : undefined;
      expectError(await stack.request(method, path, { body }), 401, "unauthorized");
      const own = await stack.request(method, path, { token: tenant.token, body });
      expect(own.status).toBe(401);
      const onHost = await stack.request(method, path, { host: tenant.host, token: tenant.token, body });
      expect([401, 404]).toContain(onHost.status);
    }
  });

  it("a random tenant id is 404, a malformed one 400", async () => {
    const random = "00000000-0000-4000-8000-000000000000";
    for (const [method, path] of paths(random) as [string, string][]) {
      const body = method === "POST" ? { node: "127.0.0.1:5432" } : undefined;
      expectError(await stack.request(method, path, { token: op.token, body }), 404, "tenant_not_found");
    }
    for (const [method, path] of paths("not-a-uuid") as [string, string][]) {
      const body = method === "POST" ? { node: "127.0.0.1:5432" } : undefined;
      expectError(await stack.request(method, path, { token: op.token, body }), 400, "validation_error");
    }
  });

  it("the node must be host:port, the mode one Citus knows: 400 naming the field", async () => {
    for (const body of [{}, { node: "" }, { node: "worker-1" }, { node: "a b:5432" }, { node: "h:99999999" }]) {
      const res = await stack.request("POST", `/api/saas/tenants/${tenant.id}/move`, { token: op.token, body });
      expectError(res, 400, "validation_error");
      expect(JSON.stringify(res.body.error)).toContain("node");
    }
    const mode = await stack.request("POST", `/api/saas/tenants/${tenant.id}/move`, {
      token: op.token,
      body: { node: "127.0.0.1:5432", mode: "copy_everything" },
    });
    expectError(mode, 400, "validation_error");
    expect(JSON.stringify(mode.body.error)).toContain("mode");
  });
});
