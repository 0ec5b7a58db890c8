import { currentTotp } from "@proxpanel/auth";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, superAdminSession, uniqueSlug } from "../../../../../tests/harness.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

describe("super-admin TOTP", () => {
  it("requires the code at login once enrolled, and old tokens stop working", async () => {
    const plain = await superAdminSession(stack);
    const enrol = await stack.request("POST", "/api/saas/auth/totp/enroll", { token: plain.token });
    expect(enrol.status).toBe(200);
    expect(enrol.body.otpauthUri).toMatch(/^otpauth:\/\/totp\//);
    const wrong = await stack.request("POST", "/api/saas/auth/totp/confirm", {
      token: plain.token,
      body: { code: "000000" },
    });
    expect(wrong.status).toBe(400);
    const ok = await stack.request("POST", "/api/saas/auth/totp/confirm", {
      token: plain.token,
      body: { code: currentTotp(enrol.body.secret) },
    });
    expect(ok.status).toBe(200);
    expect((await stack.request("GET", "/api/saas/tenants", { token: plain.token })).status).toBe(401);
    expect((await stack.request("GET", "/api/saas/tenants", { token: ok.body.token })).status).toBe(200);

    const noCode = await stack.request("POST", "/api/saas/auth/login", {
      body: { email: plain.email, password: plain.password },
    });
    expect(noCode.status).toBe(401);
    expect(noCode.body.error.code).toBe("totp_required");
    const badCode = await stack.request("POST", "/api/saas/auth/login", {
      body: {
        email: plain.email,
        password: plain.password,
        totp: "123456" === currentTotp(enrol.body.secret) ? "654321" : "123456",
      },
    });
    expect(badCode.status).toBe(401);
    const good = await stack.request("POST", "/api/saas/auth/login", {
      body: { email: plain.email, password: plain.password, totp: currentTotp(enrol.body.secret) },
    });
    expect(good.status).toBe(200);
    expect(good.body.totpEnrolled).toBe(true);
  });

  it("with TOTP mandatory, an unenrolled operator reaches only enrolment", async () => {
    const strict = await startStack({ SUPERADMIN_REQUIRE_TOTP: "true" });
    try {
      const op = await superAdminSession(strict);
      expect((await strict.request("GET", "/api/saas/tenants", { token: op.token })).body.error.code).toBe(
        "totp_required",
      );
      expect((await strict.request("GET", "/api/saas/auth/me", { token: op.token })).status).toBe(200);
      const enrolled = await superAdminSession(strict, { totp: true });
      expect((await strict.request("GET", "/api/saas/tenants", { token: enrolled.token })).status).toBe(200);
    } finally {
      await strict.close();
    }
  });
});

describe("tenant management", () => {
  it("creates, searches, pages and changes plan and cap, with an audit trail", async () => {
    const op = await superAdminSession(stack);
    const slug = uniqueSlug("ops");
    const created = await stack.request("POST", "/api/saas/tenants", {
      token: op.token,
      body: {
        slug,
        companyName: "Searchable Fibre Ltd",
        plan: "pro",
        adminEmail: "boss@fibre.example",
        adminPassword: "long-password-1",
        subscriberCap: 1200,
        timezone: "Asia/Baghdad",
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.tenant).toMatchObject({ slug, plan: "pro", subscriberCap: 1200, timezone: "Asia/Baghdad" });
    expect(created.body.tenant.secret).toBeUndefined();
    const id = created.body.tenant.id;

    const found = await stack.request("GET", "/api/saas/tenants?search=searchable%20fibre&limit=5", {
      token: op.token,
    });
    expect(found.body.items.map((t: { id: string }) => t.id)).toContain(id);
    expect(found.body.items.every((t: object) => !("secret" in t))).toBe(true);

    const page = await stack.request("GET", "/api/saas/tenants?limit=1&page=1&sort=slug&order=asc", {
      token: op.token,
    });
    expect(page.body).toMatchObject({ page: 1, limit: 1 });
    expect(page.body.total).toBeGreaterThanOrEqual(1);
    expect(page.body.items).toHaveLength(1);

    const patched = await stack.request("PATCH", `/api/saas/tenants/${id}`, {
      token: op.token,
      body: { plan: "starter", subscriberCap: 50 },
    });
    expect(patched.body.tenant).toMatchObject({ plan: "starter", subscriberCap: 50 });
    const bad = await stack.request("PATCH", `/api/saas/tenants/${id}`, {
      token: op.token,
      body: { subscriberCap: -1 },
    });
    expect(bad.status).toBe(400);

    const audit = await stack.request("GET", `/api/saas/audit?tenantId=${id}`, { token: op.token });
    expect(audit.body.items.map((e: { action: string }) => e.action)).toEqual(["tenant.update", "tenant.create"]);
    expect(audit.body.items[0].actor).toBe(op.email);
  });

  it("purges only a deleted tenant, after the slug is confirmed, and drops its schema", async () => {
    const op = await superAdminSession(stack);
    const t = await signupTenant(stack);
    const purge = (confirmSlug: string) =>
      stack.request("POST", `/api/saas/tenants/${t.id}/purge`, { token: op.token, body: { confirmSlug } });
    expect((await purge(t.slug)).status).toBe(409);
    await stack.request("DELETE", `/api/saas/tenants/${t.id}`, { token: op.token });
    expect((await purge("wrong-slug")).status).toBe(409);
    expect((await purge(t.slug)).status).toBe(204);
    expect((await stack.request("GET", `/api/saas/tenants/${t.id}`, { token: op.token })).status).toBe(404);
    const schemas = await stack.runtime.deps.db.execute(
      sql`select 1 from pg_namespace where nspname = ${`tenant_${t.slug}`}`,
    );
    expect(schemas).toHaveLength(0);
    // The slug can be signed up again.
    expect((await signupTenant(stack, t.slug)).slug).toBe(t.slug);
  });

  it("rejects malformed ids and unknown tenants cleanly", async () => {
    const op = await superAdminSession(stack);
    expect((await stack.request("POST", "/api/saas/tenants/not-a-uuid/suspend", { token: op.token })).status).toBe(400);
    const missing = await stack.request("POST", "/api/saas/tenants/00000000-0000-4000-8000-000000000000/suspend", {
      token: op.token,
    });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("tenant_not_found");
  });
});

describe("modules", () => {
  it("switches a module off for one tenant at once and back to the plan's default", async () => {
    const op = await superAdminSession(stack);
    const t = await signupTenant(stack);
    const planBody = { name: "R", downloadKbps: 100, uploadKbps: 100 };
    expect((await stack.request("POST", "/api/plans", { host: t.host, token: t.token, body: planBody })).status).toBe(
      201,
    );
    const off = await stack.request("PATCH", `/api/saas/tenants/${t.id}`, { token: op.token, body: { modules: [] } });
    expect(off.body.tenant.modules).toEqual([]);
    const blocked = await stack.request("GET", "/api/resellers", { host: t.host, token: t.token });
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe("module_disabled");
    const bad = await stack.request("PATCH", `/api/saas/tenants/${t.id}`, {
      token: op.token,
      body: { modules: ["root"] },
    });
    expect(bad.status).toBe(400);
    await stack.request("PATCH", `/api/saas/tenants/${t.id}`, { token: op.token, body: { modules: null } });
    expect((await stack.request("GET", "/api/resellers", { host: t.host, token: t.token })).status).not.toBe(403);
  });
});
