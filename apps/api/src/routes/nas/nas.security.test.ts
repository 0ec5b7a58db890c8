import { nasRoutes, tenants } from "@proxpanel/db";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";

// Addresses from TEST-NET-2 belong to this file alone: nas_routes is cluster-wide.
let stack: Stack;
let a: TestTenant;
let b: TestTenant;

const api = (t: TestTenant, method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: t.host, token: t.token, ...(body === undefined ? {} : { body }) });

const routesAt = async (ip: string) =>
  (
    await stack.runtime.deps.db
      .select({ tenantId: nasRoutes.tenantId, identifier: nasRoutes.identifier })
      .from(nasRoutes)
      .where(eq(nasRoutes.ipAddress, ip))
  ).sort((x, y) => (x.identifier ?? "").localeCompare(y.identifier ?? ""));

async function create(t: TestTenant, body: Record<string, unknown>) {
  const res = await api(t, "POST", "/api/nas", body);
  expect(res.status).toBe(201);
  return res.body as { nas: { id: string }; secret: string };
}

beforeAll(async () => {
  stack = await startStack();
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
});
afterAll(() => stack.close());

describe("NAS isolation between tenants", () => {
  it("gives another tenant 404 for every by-id route and leaves the NAS unchanged", async () => {
    const { nas, secret } = await create(a, { name: "Private", ipAddress: "198.51.100.1" });
    const before = (await api(a, "GET", `/api/nas/${nas.id}`)).body;
    expectError(await api(b, "GET", `/api/nas/${nas.id}`), 404, "not_found");
    expectError(await api(b, "PATCH", `/api/nas/${nas.id}`, { name: "Stolen" }), 404, "not_found");
    expectError(await api(b, "POST", `/api/nas/${nas.id}/reveal-secret`), 404, "not_found");
    expectError(await api(b, "POST", `/api/nas/${nas.id}/rotate-secret`, {}), 404, "not_found");
    expectError(await api(b, "DELETE", `/api/nas/${nas.id}`), 404, "not_found");
    expect((await api(b, "GET", "/api/nas?search=private")).body.items).toEqual([]);
    expect((await api(a, "GET", `/api/nas/${nas.id}`)).body).toEqual(before);
    expect((await api(a, "POST", `/api/nas/${nas.id}/reveal-secret`)).body.secret).toBe(secret);
    expect(await routesAt("198.51.100.1")).toEqual([{ tenantId: a.id, identifier: null }]);
  });
});

describe("one address, several tenants", () => {
  it("lets an unverified identifier-less claim block only another identifier-less one, naming no one", async () => {
    await create(a, { name: "Bare", ipAddress: "198.51.100.10" });
    const plain = await api(b, "POST", "/api/nas", { name: "Bare B", ipAddress: "198.51.100.10" });
    expectError(plain, 409, "conflict");
    expect(plain.body.error.message).toMatch(/NAS-Identifier/);
    expect(plain.body.error.message).not.toMatch(/workspace|another/);
    expect(plain.body.error.message).not.toContain(a.slug);
    // A NAS that sends its own identifier is told apart: the bare claim does not lock it out.
    await create(b, { name: "Id B", ipAddress: "198.51.100.10", identifier: "b" });
    // Within one tenant an address is still either bare or identified.
    expectError(
      await api(a, "POST", "/api/nas", { name: "Id A", ipAddress: "198.51.100.10", identifier: "a" }),
      409,
      "conflict",
    );
    expect(await routesAt("198.51.100.10")).toEqual([
      { tenantId: a.id, identifier: null },
      { tenantId: b.id, identifier: "b" },
    ]);
    expect((await api(b, "GET", "/api/nas")).body.items.map((n: { name: string }) => n.name)).not.toContain("Bare B");
  });

  it("lets an unverified claim lapse after CLAIM_TTL_HOURS, and never a verified one", async () => {
    const { nas } = await create(a, { name: "Squat", ipAddress: "198.51.100.11" });
    await create(a, { name: "Proved", ipAddress: "198.51.100.12" });
    await stack.runtime.deps.sql`update public.nas_routes set claimed_at = now() - interval '73 hours'
      where host(ip_address) in ('198.51.100.11', '198.51.100.12')`;
    await stack.runtime.deps
      .sql`update public.nas_routes set verified_at = now() where host(ip_address) = '198.51.100.12'`;
    await create(b, { name: "Real owner", ipAddress: "198.51.100.11" });
    expect(await routesAt("198.51.100.11")).toEqual([{ tenantId: b.id, identifier: null }]);
    expectError(await api(b, "POST", "/api/nas", { name: "Late", ipAddress: "198.51.100.12" }), 409, "conflict");
    expect(await routesAt("198.51.100.12")).toEqual([{ tenantId: a.id, identifier: null }]);
    // The tenant that lost the route keeps its NAS (now unrouted); the operators' log says why.
    expect((await api(a, "GET", `/api/nas/${nas.id}`)).status).toBe(200);
    const log = await stack.runtime.deps.sql`select details from public.super_admin_audit
      where action = 'nas_route.released' and tenant_id = ${a.id}`;
    expect(log.map((r) => (r.details as { reason: string }).reason)).toEqual(["expired"]);
  });

  it("lets a tenant whose NAS at the address proved its secret challenge a fresh unverified claim", async () => {
    await create(a, { name: "Fresh squat", ipAddress: "198.51.100.13" });
    const { nas } = await create(b, { name: "Owner", ipAddress: "198.51.100.13", identifier: "owner" });
    await stack.runtime.deps.sql`update public.nas_routes set verified_at = now() where nas_id = ${nas.id}`;
    const moved = await api(b, "PATCH", `/api/nas/${nas.id}`, { identifier: null });
    expect(moved.status).toBe(200);
    expect(await routesAt("198.51.100.13")).toEqual([{ tenantId: b.id, identifier: null }]);
  });

  it("shares an address when identifiers tell NAS apart, and refuses an identifier-less or repeated one", async () => {
    await create(a, { name: "Shared A", ipAddress: "198.51.100.20", identifier: "site-a" });
    await create(b, { name: "Shared B", ipAddress: "198.51.100.20", identifier: "site-b" });
    const bare = await api(b, "POST", "/api/nas", { name: "Shared bare", ipAddress: "198.51.100.20" });
    expectError(bare, 409, "conflict");
    expect(bare.body.error.message).toMatch(/NAS-Identifier/);
    expectError(
      await api(b, "POST", "/api/nas", { name: "Shared again", ipAddress: "198.51.100.20", identifier: "site-a" }),
      409,
      "conflict",
    );
    expect(await routesAt("198.51.100.20")).toEqual([
      { tenantId: a.id, identifier: "site-a" },
      { tenantId: b.id, identifier: "site-b" },
    ]);
  });

  it("applies the rule to updates and leaves the NAS as it was", async () => {
    await create(a, { name: "Holder", ipAddress: "198.51.100.30" });
    const { nas } = await create(b, { name: "Wanderer", ipAddress: "198.51.100.31", identifier: "w" });
    const res = await api(b, "PATCH", `/api/nas/${nas.id}`, {
      ipAddress: "198.51.100.30",
      identifier: null,
      name: "Moved",
    });
    expectError(res, 409, "conflict");
    expect((await api(b, "GET", `/api/nas/${nas.id}`)).body.nas).toMatchObject({
      name: "Wanderer",
      ipAddress: "198.51.100.31",
      identifier: "w",
    });
    expect(await routesAt("198.51.100.31")).toEqual([{ tenantId: b.id, identifier: "w" }]);
  });

  it("lets exactly one of many concurrent identifier-less claims of an address win", async () => {
    const claims = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api(i % 2 ? a : b, "POST", "/api/nas", { name: `Race ${i}`, ipAddress: "198.51.100.40" }),
      ),
    );
    expect(claims.filter((r) => r.status === 201)).toHaveLength(1);
    for (const r of claims.filter((x) => x.status !== 201)) expectError(r, 409, "conflict");
    expect(await routesAt("198.51.100.40")).toHaveLength(1);
  });
});

describe("NAS secrets stay sealed", () => {
  it("never puts the secret into lists, reads or the audit log; stores it encrypted", async () => {
    const secret = "very-distinctive-secret-42";
    const { nas } = await create(a, { name: "Audited", ipAddress: "198.51.100.50", secret });
    await api(a, "PATCH", `/api/nas/${nas.id}`, { description: "changed" });
    await api(a, "POST", `/api/nas/${nas.id}/reveal-secret`);
    const rotated = (await api(a, "POST", `/api/nas/${nas.id}/rotate-secret`, {})).body.secret as string;
    expect(JSON.stringify((await api(a, "GET", "/api/nas?limit=100")).body)).not.toContain(secret);

    const [row] = await stack.runtime.deps.db
      .select({ schema: tenants.schemaName })
      .from(tenants)
      .where(eq(tenants.id, a.id));
    const schema = sql.identifier(row?.schema ?? "");
    const audit = await stack.runtime.deps.db.execute<{ action: string; details: string }>(
      sql`select action, details::text as details from ${schema}.audit_logs where entity_id = ${nas.id}`,
    );
    expect(audit.map((r) => r.action).sort()).toEqual([
      "nas.create",
      "nas.reveal_secret",
      "nas.rotate_secret",
      "nas.update",
    ]);
    for (const r of audit) {
      expect(r.details).not.toContain(secret);
      expect(r.details).not.toContain(rotated);
      expect(r.details).not.toMatch(/secretEnc|secret_enc/);
    }
    const [stored] = await stack.runtime.deps.db.execute<{ secret_enc: string }>(
      sql`select secret_enc from ${schema}.nas_devices where id = ${nas.id}`,
    );
    expect(stored?.secret_enc).toMatch(/^v1\./);
    expect(stored?.secret_enc).not.toContain(rotated);
  });
});
