import { latestTenantVersion, tenants } from "@proxpanel/db";
import { onboardTenant, SYSTEM_ACTOR } from "@proxpanel/tenancy";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BASE,
  type Stack,
  signupTenant,
  startStack,
  type TestTenant,
  uniqueSlug,
} from "../../../../../tests/harness.ts";

let stack: Stack;
// One signed-up tenant for the tests that only need one to exist (a signup is a whole schema:
// seconds each on Citus); tests about the signup itself make their own.
let existing: Promise<TestTenant> | undefined;
const anyTenant = () => {
  existing ??= signupTenant(stack);
  return existing;
};
beforeAll(async () => {
  stack = await startStack();
});
afterAll(() => stack.close());

const body = (slug: string) => ({
  slug,
  companyName: "Acme Networks",
  plan: "trial",
  adminEmail: "admin@acme.example",
  adminPassword: "long-enough-password",
});

describe("self-service signup", () => {
  it("creates a working workspace that answers on its subdomain at once", async () => {
    const t = await anyTenant();
    const me = await stack.request("GET", "/api/auth/me", { host: t.host, token: t.token });
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ email: t.email, isOwner: true, permissions: ["*"] });
    expect(me.body.tenant).toEqual({ id: t.id, slug: t.slug });

    const row = (await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, t.id)))[0];
    expect(row).toMatchObject({
      status: "active",
      plan: "starter",
      subscriberCap: 5000,
      schemaVersion: latestTenantVersion(),
    });
    const audit = await stack.request("GET", "/api/audit-logs?action=tenant.created", { host: t.host, token: t.token });
    expect(audit.body.items).toHaveLength(1);
    const branding = await stack.request("GET", "/api/branding", { host: t.host });
    expect(branding.body).toMatchObject({ slug: t.slug, companyName: `Company ${t.slug}`, timezone: "UTC" });
  });

  it("refuses a duplicate slug with 409 and leaves the first tenant alone", async () => {
    const t = await anyTenant();
    const res = await stack.request("POST", "/api/signup", { body: body(t.slug) });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: "slug_taken" });
    expect(res.body.error.requestId).toBeTruthy();
    expect((await stack.request("GET", "/api/auth/me", { host: t.host, token: t.token })).status).toBe(200);
  });

  it.each([
    ["reserved", "admin", "reserved_slug"],
    ["too short", "ab", "invalid_slug"],
    ["double dash", "ac--me", "invalid_slug"],
    ["sql", "x');drop schema public;--", "invalid_slug"],
  ])("refuses a %s slug", async (_label, slug, code) => {
    const res = await stack.request("POST", "/api/signup", { body: body(slug) });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe(code);
  });

  it("validates every field and reports each problem", async () => {
    const res = await stack.request("POST", "/api/signup", {
      body: { slug: uniqueSlug(), companyName: "", adminEmail: "nope", adminPassword: "short" },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe("validation_error");
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(["companyName", "adminEmail", "adminPassword"]));
  });

  it("offers only the trial, and no slug that names one of our own schemas", async () => {
    for (const plan of ["starter", "pro", "custom"]) {
      const res = await stack.request("POST", "/api/signup", { body: { ...body(uniqueSlug("paid")), plan } });
      expect(res.status, plan).toBe(400);
      expect(res.body.error.message).toContain("plan: self-service signup starts on the trial");
    }
    for (const slug of ["template", "public", "pg-catalog"]) {
      const res = await stack.request("POST", "/api/signup", { body: body(slug) });
      expect(res.status, slug).toBe(400);
      expect(res.body.error.code, slug).toBe("reserved_slug");
    }
    const templates = await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.slug, "template"));
    expect(templates).toEqual([]);
  });

  it("tells the form whether a workspace name is free, with the reason when it is not", async () => {
    const taken = await anyTenant();
    const check = async (slug: string) =>
      (await stack.request("GET", `/api/signup/slug?slug=${encodeURIComponent(slug)}`)).body;
    expect(await check("ab")).toMatchObject({ available: false, reason: expect.stringContaining("3–40") });
    expect(await check("Bad_Name")).toMatchObject({ available: false });
    expect(await check("template")).toMatchObject({ available: false, reason: '"template" is reserved.' });
    expect(await check(taken.slug)).toMatchObject({ available: false, reason: `"${taken.slug}" is already taken.` });
    expect(await check(uniqueSlug("free"))).toMatchObject({ available: true });
  });

  it("hands the new owner to its own host signed in, with a token good only there and only for that", async () => {
    const slug = uniqueSlug("hand");
    const res = await stack.request("POST", "/api/signup", {
      body: { ...body(slug), adminEmail: `o@${slug}.example` },
    });
    expect(res.status).toBe(201);
    const handoff = res.body.handoff as string;
    expect(handoff.split(".")).toHaveLength(3);
    const host = `${slug}.${BASE}`;
    // Not a session token: no route takes it as one.
    expect((await stack.request("GET", "/api/auth/me", { host, token: handoff })).status).toBe(401);
    // Not for another workspace.
    const other = await anyTenant();
    const elsewhere = await stack.request("POST", "/api/auth/handoff", { host: other.host, body: { token: handoff } });
    expect(elsewhere.status).toBe(401);
    const tampered = await stack.request("POST", "/api/auth/handoff", { host, body: { token: `${handoff}x` } });
    expect(tampered.status).toBe(401);
    const session = await stack.request("POST", "/api/auth/handoff", { host, body: { token: handoff } });
    expect(session.status).toBe(200);
    const me = await stack.request("GET", "/api/auth/me", { host, token: session.body.token });
    expect(me.body.user).toMatchObject({ email: `o@${slug}.example`, isOwner: true });
  });

  it("is only offered on the apex", async () => {
    const t = await anyTenant();
    const res = await stack.request("POST", "/api/signup", { host: t.host, body: body(uniqueSlug()) });
    expect(res.status).toBe(404);
  });

  it.each(["registry", "schema", "admin"] as const)(
    "leaves nothing behind when it fails after the %s step",
    async (stage) => {
      const slug = uniqueSlug("fail");
      const { db } = stack.runtime.deps;
      await expect(
        onboardTenant(
          {
            db,
            failpoint: (s) => {
              if (s === stage) throw new Error(`injected failure at ${s}`);
            },
          },
          { ...body(slug), plan: "trial" },
          SYSTEM_ACTOR,
        ),
      ).rejects.toThrow(/injected failure/);
      expect(await db.select().from(tenants).where(eq(tenants.slug, slug))).toHaveLength(0);
      const schemas = await db.execute(sql`select 1 from pg_namespace where nspname = ${`tenant_${slug}`}`);
      expect(schemas).toHaveLength(0);
      // The slug is free again: a retry succeeds.
      const retry = await stack.request("POST", "/api/signup", { body: body(slug) });
      expect(retry.status).toBe(201);
      expect((await stack.request("GET", "/api/branding", { host: `${slug}.${BASE}` })).status).toBe(200);
    },
  );
});
