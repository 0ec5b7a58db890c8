import { superAdminAudit } from "@proxpanel/db";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import {
  type Stack,
  signupTenant,
  startStack,
  superAdminSession,
  type TestTenant,
} from "../../../../../tests/harness.ts";

// On plain PostgreSQL (the default project's database) a tenant has no node: placement says so and a
// move is refused with a code the console can show. The Citus side is tests/citus/tenant-move.test.ts.
let stack: Stack;
let tenant: TestTenant;
let op: Awaited<ReturnType<typeof superAdminSession>>;
beforeAll(async () => {
  stack = await startStack();
  tenant = await signupTenant(stack);
  op = await superAdminSession(stack);
});
afterAll(() => stack.close());

describe("tenant placement and move on plain PostgreSQL", () => {
  it("placement: not distributed, no nodes", async () => {
    const res = await stack.request("GET", `/api/saas/tenants/${tenant.id}/placement`, { token: op.token });
    expect(res.status).toBe(200);
    expect(res.body.placement).toEqual({ distributed: false, node: null, nodes: [] });
  });

  it("move: 409 not_distributed, nothing audited", async () => {
    const res = await stack.request("POST", `/api/saas/tenants/${tenant.id}/move`, {
      token: op.token,
      body: { node: "127.0.0.1:5432" },
    });
    expectError(res, 409, "not_distributed");
    expect(res.body.error.message).toMatch(/plain PostgreSQL/);
    const audited = await stack.runtime.deps.db
      .select()
      .from(superAdminAudit)
      .where(and(eq(superAdminAudit.tenantId, tenant.id), eq(superAdminAudit.action, "tenant.move")));
    expect(audited).toEqual([]);
  });
});
