import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import {
  type Stack,
  signupTenant,
  startStack,
  superAdminSession,
  type TestTenant,
} from "../../../../../tests/harness.ts";

let stack: Stack;
let tenant: TestTenant;
let op: string;

beforeAll(async () => {
  stack = await startStack();
  tenant = await signupTenant(stack);
  op = (await superAdminSession(stack)).token;
});
afterAll(() => stack.close());

// The console endpoints added for the super-admin UI; each must be super-admin and apex only.
const ENDPOINTS = [
  "/api/saas/reports/usage?from=2026-01-01&to=2026-02-01",
  "/api/saas/reports/usage?from=2026-01-01&to=2026-02-01&format=csv",
  "/api/saas/reports/usage?from=2026-01-01&to=2026-02-01&format=pdf",
  "/api/saas/health",
  "/api/saas/tenants",
];
const withTenant = (id: string) => `/api/saas/backups/tenants/${id}`;

describe("console endpoints", () => {
  it("answer a super-admin on the apex", async () => {
    for (const path of [...ENDPOINTS, withTenant(tenant.id)]) {
      expect({ path, status: (await stack.request("GET", path, { token: op })).status }).toEqual({ path, status: 200 });
    }
  });

  it("refuse a tenant owner's token on the apex", async () => {
    for (const path of [...ENDPOINTS, withTenant(tenant.id)])
      expectError(await stack.request("GET", path, { token: tenant.token }), 401, "unauthorized");
  });

  it("refuse a request with no token", async () => {
    for (const path of ENDPOINTS) expectError(await stack.request("GET", path), 401, "unauthorized");
  });

  it("do not exist on a tenant host, even for a super-admin token", async () => {
    for (const path of ENDPOINTS) {
      expectError(await stack.request("GET", path, { host: tenant.host, token: op }), 404, "not_found");
      expectError(await stack.request("GET", path, { host: tenant.host, token: tenant.token }), 404, "not_found");
    }
  });

  it("never leak one tenant's report rows through another tenant's filter", async () => {
    const other = await signupTenant(stack);
    const res = await stack.request(
      "GET",
      `/api/saas/reports/usage?from=2026-01-01&to=2027-01-01&tenantId=${other.id}`,
      {
        token: op,
      },
    );
    expect(res.body.rows.map((r: { tenantId: string }) => r.tenantId)).toEqual([other.id]);
  });
});
