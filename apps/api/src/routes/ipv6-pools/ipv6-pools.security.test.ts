import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";

let stack: Stack;
let a: TestTenant;
let b: TestTenant;

const api = (t: TestTenant, method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: t.host, token: t.token, ...(body === undefined ? {} : { body }) });

beforeAll(async () => {
  stack = await startStack();
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
});
afterAll(() => stack.close());

describe("IPv6 pools are the tenant's own", () => {
  it("hides another tenant's pool and refuses it, or a made-up id, as a plan's pool (400 naming the field)", async () => {
    const theirs = (
      await api(b, "POST", "/api/ipv6-pools", { name: "B pool", prefix: "2001:db8:f00::/48", assignLength: 56 })
    ).body.pool.id as string;
    expectError(await api(a, "GET", `/api/ipv6-pools/${theirs}`), 404, "not_found");
    expectError(await api(a, "GET", `/api/ipv6-pools/${theirs}/allocations`), 404, "not_found");
    expectError(await api(a, "PATCH", `/api/ipv6-pools/${theirs}`, { name: "Mine now" }), 404, "not_found");
    expectError(await api(a, "DELETE", `/api/ipv6-pools/${theirs}`), 404, "not_found");
    expect((await api(a, "GET", "/api/ipv6-pools")).body.total).toBe(0);

    for (const [field, id] of [
      ["ipv6PoolId", theirs],
      ["delegatedIpv6PoolId", theirs],
      ["ipv6PoolId", crypto.randomUUID()],
      ["delegatedIpv6PoolId", crypto.randomUUID()],
    ] as const) {
      const r = await api(a, "POST", "/api/plans", {
        name: `P ${field} ${id}`,
        downloadKbps: 1,
        uploadKbps: 1,
        [field]: id,
      });
      expectError(r, 400, "validation_error");
      expect(r.body.error.message).toMatch(new RegExp(`^${field}`));
    }
    const plan = (await api(a, "POST", "/api/plans", { name: "Plain", downloadKbps: 1, uploadKbps: 1 })).body.plan;
    const edit = await api(a, "PATCH", `/api/plans/${plan.id}`, { delegatedIpv6PoolId: theirs });
    expectError(edit, 400, "validation_error");
    expect(edit.body.error.message).toMatch(/^delegatedIpv6PoolId/);
    // B's pool is untouched and still its own.
    expect((await api(b, "GET", `/api/ipv6-pools/${theirs}`)).body.pool).toMatchObject({ name: "B pool", used: 0 });
  });

  it("lets each tenant use the same prefix (own address plan), and a viewer-less token cannot create one", async () => {
    const same = { name: "Same", prefix: "2001:db8:e00::/48", assignLength: 64 - 8 };
    expect((await api(a, "POST", "/api/ipv6-pools", same)).status).toBe(201);
    expect((await api(b, "POST", "/api/ipv6-pools", same)).status).toBe(201);
    const anon = await stack.request("POST", "/api/ipv6-pools", { host: a.host, body: same });
    expect(anon.status).toBe(401);
  });

  it("names a prefix's holder only to those who may see that subscriber: a reseller sees its own, not others'", async () => {
    const db = stack.runtime.deps.db;
    await db
      .update(tenants)
      .set({ modules: ["resellers"] })
      .where(eq(tenants.id, a.id));
    await stack.runtime.deps.resolver.invalidate({ tenantId: a.id });
    const [row] = await db.select().from(tenants).where(eq(tenants.id, a.id));
    const { db: tdb, t } = stack.runtime.deps.tenantClients.get(row?.schemaName ?? "");
    const pool = (
      await api(a, "POST", "/api/ipv6-pools", { name: "Held", prefix: "2001:db8:d00::/60", assignLength: 64 })
    ).body.pool.id as string;
    const email = "v6shop@ipv6.example";
    const reseller = (
      await api(a, "POST", "/api/resellers", {
        name: "V6 shop",
        email,
        password: "reseller-password",
        permissions: ["subscribers.view", "pools.view"],
      })
    ).body.reseller.id as string;
    const login = await stack.request("POST", "/api/auth/login", {
      host: a.host,
      body: { email, password: "reseller-password" },
    });
    const planId = (await api(a, "POST", "/api/plans", { name: "V6 held", downloadKbps: 1, uploadKbps: 1 })).body.plan
      .id as string;
    const sub = async (username: string, resellerId: string | null) => {
      const r = await api(a, "POST", "/api/subscribers", { username, password: "pass1234", planId, resellerId });
      expect(r.status).toBe(201);
      return r.body.subscriber.id as string;
    };
    const mine = await sub("shop-sub", reseller);
    const theirs = await sub("owner-sub", null);
    for (const [prefix, id] of [
      ["2001:db8:d00::/64", mine],
      ["2001:db8:d00:1::/64", theirs],
    ] as const) {
      await tdb
        .update(t.ipv6Allocations)
        .set({ subscriberId: id, allocatedAt: new Date() })
        .where(eq(t.ipv6Allocations.prefix, prefix));
    }
    const used = `/api/ipv6-pools/${pool}/allocations?state=used`;
    const owner = (await api(a, "GET", used)).body;
    expect(owner.items.map((x: { prefix: string; username: string | null }) => [x.prefix, x.username])).toEqual([
      ["2001:db8:d00::/64", "shop-sub"],
      ["2001:db8:d00:1::/64", "owner-sub"],
    ]);
    const shop = await stack.request("GET", used, { host: a.host, token: login.body.token });
    expect(shop.status).toBe(200);
    expect(shop.body.items.map((x: { username: string | null }) => x.username)).toEqual(["shop-sub", null]);
    // Another tenant's token on A's pool finds nothing.
    expectError(await api(b, "GET", used), 404, "not_found");
  });
});
