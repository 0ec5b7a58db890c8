import { hashPassword } from "@proxpanel/auth";
import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Stack,
  signupTenant,
  startStack,
  superAdminSession,
  type TestTenant,
} from "../../../../../tests/harness.ts";
import { createApp } from "../../app.ts";

// Routes that need no permission: sign-in, the caller's own session, public branding, the API
// description. Everything else under /api on a tenant host must refuse a user without rights.
const OPEN = [
  /^\/api\/auth\//,
  /^\/api\/branding(\/|$)/,
  /^\/api\/openapi\.json$/,
  /^\/api\/saas(\/|$)/,
  /^\/api\/signup(\/|$)/,
  // Which site this host is and its plan's features: any signed-in user of the tenant may read them.
  /^\/api\/site(\/|$)/,
  // Apex only, authenticated by the provider's signature rather than a user token.
  /^\/api\/webhooks(\/|$)/,
  // The subscriber portal: its own realm; staff tokens get 401 there (portal.security.test.ts).
  /^\/api\/portal(\/|$)/,
  // Payment providers' and the SMS gateway's callbacks, checked by their signatures or secret
  // addresses (payments.security.test.ts, tests/notify-sms.test.ts).
  /^\/api\/payments\//,
  /^\/api\/notifications\/sms-callbacks\//,
];

let stack: Stack;
let owner: TestTenant;
let token: string;

beforeAll(async () => {
  stack = await startStack();
  owner = await signupTenant(stack);
  // Every module on, so module gates do not answer before the permission check.
  const op = await superAdminSession(stack);
  await stack.request("PATCH", `/api/saas/tenants/${owner.id}`, {
    token: op.token,
    body: { modules: ["resellers", "wireguard", "notifications"] },
  });
  const [row] = await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, owner.id));
  const { db, t } = stack.runtime.deps.tenantClients.get(row?.schemaName ?? "");
  const [group] = await db.insert(t.permissionGroups).values({ name: "Nothing", permissions: [] }).returning();
  await db.insert(t.users).values({
    email: "nobody@perm.example",
    passwordHash: await hashPassword("nobody-password-1"),
    permissionGroupId: group?.id ?? null,
  });
  const login = await stack.request("POST", "/api/auth/login", {
    host: owner.host,
    body: { email: "nobody@perm.example", password: "nobody-password-1" },
  });
  token = login.body.token;
});
afterAll(() => stack.close());

describe("permission matrix", () => {
  it("every tenant route refuses a signed-in user whose group grants nothing", async () => {
    const app = createApp(stack.runtime.deps);
    const routes = [
      ...new Map(
        app.routes
          .filter((r) => r.method !== "ALL" && r.path.startsWith("/api/") && !OPEN.some((re) => re.test(r.path)))
          .map((r) => [`${r.method} ${r.path}`, r]),
      ).values(),
    ];
    expect(routes.length).toBeGreaterThan(40);
    const uuid = "00000000-0000-4000-8000-000000000000";
    const failures: string[] = [];
    for (const r of routes) {
      const path = r.path
        .replace(/:address/g, "10.0.0.1")
        .replace(/:kind/g, "logo")
        .replace(/:[a-zA-Z]+/g, uuid);
      const res = await stack.request(r.method, path, {
        host: owner.host,
        token,
        body: r.method === "GET" ? undefined : {},
      });
      if (res.status !== 403 || res.body?.error?.code !== "forbidden")
        failures.push(`${r.method} ${r.path} → ${res.status}`);
    }
    expect(failures).toEqual([]);
  });

  it("the owner passes the same gates", async () => {
    const res = await stack.request("GET", "/api/subscribers", { host: owner.host, token: owner.token });
    expect(res.status).toBe(200);
  });
});
