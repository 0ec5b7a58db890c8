import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";

let stack: Stack;
let a: TestTenant;
let b: TestTenant;

const api = (method: string, path: string, body?: unknown, t: TestTenant = a) =>
  stack.request(method, path, { host: t.host, token: t.token, ...(body === undefined ? {} : { body }) });

/** Subscribers straight into the tenant's table: the allocation code only needs them to exist. */
async function subscribers(t: TestTenant, n: number, prefix: string): Promise<string[]> {
  const [row] = await stack.runtime.deps.db
    .select({ schema: tenants.schemaName })
    .from(tenants)
    .where(eq(tenants.id, t.id));
  const client = stack.runtime.deps.tenantClients.get(row?.schema ?? "");
  const rows = await client.db
    .insert(client.t.subscribers)
    .values(Array.from({ length: n }, (_, i) => ({ username: `${prefix}${i}`, passwordEnc: "unused" })))
    .returning({ id: client.t.subscribers.id });
  return rows.map((r) => r.id);
}

async function pool(body: Record<string, unknown>, t: TestTenant = a) {
  const res = await api("POST", "/api/ip-pools", body, t);
  expect(res.status).toBe(201);
  return res.body.pool as { id: string; size: number; free: number; used: number };
}

beforeAll(async () => {
  stack = await startStack();
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
});
afterAll(() => stack.close());

describe("IP pools", () => {
  it("creates pools without network, broadcast and gateway, honours ranges, /31 and /32", async () => {
    expect(await pool({ name: "Main", cidr: "10.10.0.0/24" })).toMatchObject({
      cidr: "10.10.0.0/24",
      rangeStart: "10.10.0.1",
      rangeEnd: "10.10.0.254",
      gateway: "10.10.0.1",
      size: 253,
      free: 253,
      used: 0,
    });
    expect(
      await pool({ name: "Ranged", cidr: "10.10.1.0/24", rangeStart: "10.10.1.100", rangeEnd: "10.10.1.149" }),
    ).toMatchObject({
      size: 50,
    });
    // Point-to-point prefixes have no gateway of their own.
    expect(await pool({ name: "P2P", cidr: "10.10.2.0/31" })).toMatchObject({ size: 2, gateway: null });
    expect((await pool({ name: "Single", cidr: "10.10.2.9/32" })).size).toBe(1);
    expect((await pool({ name: "Big", cidr: "10.20.0.0/16" })).size).toBe(65_533);
    const list = await api("GET", "/api/ip-pools?search=ran");
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0]).toMatchObject({ name: "Ranged", size: 50, free: 50, used: 0 });
    const sorted = await api("GET", "/api/ip-pools?sort=name&order=asc&limit=2");
    expect(sorted.body.items.map((p: { name: string }) => p.name)).toEqual(["Big", "Main"]);
    expect(sorted.body.total).toBe(5);
  });

  it("refuses bad CIDRs, ranges, oversize and overlapping pools and creates nothing", async () => {
    const total = (await api("GET", "/api/ip-pools")).body.total;
    const cases: [Record<string, unknown>, number, string, RegExp][] = [
      [{ name: "Host bits", cidr: "10.30.0.5/24" }, 400, "validation_error", /10\.30\.0\.0\/24/],
      [{ name: "Huge", cidr: "10.40.0.0/15" }, 400, "validation_error", /65536/],
      [{ name: "Out", cidr: "10.30.1.0/24", rangeStart: "10.30.2.1" }, 400, "validation_error", /rangeStart/],
      [{ name: "Edge", cidr: "10.30.1.0/24", rangeEnd: "10.30.1.255" }, 400, "validation_error", /rangeEnd/],
      [
        { name: "Back", cidr: "10.30.1.0/24", rangeStart: "10.30.1.9", rangeEnd: "10.30.1.8" },
        400,
        "validation_error",
        /rangeEnd/,
      ],
      [{ name: "V6", cidr: "2001:db8::/64" }, 400, "validation_error", /cidr/],
      [{ name: "Overlap", cidr: "10.10.0.128/25" }, 409, "conflict", /Main/],
      [{ name: "main", cidr: "10.30.3.0/24" }, 409, "conflict", /name/],
    ];
    for (const [body, status, code, message] of cases) {
      const res = await api("POST", "/api/ip-pools", body);
      expectError(res, status, code);
      expect(res.body.error.message).toMatch(message);
    }
    expect((await api("GET", "/api/ip-pools")).body.total).toBe(total);
    // A range beside another pool's range in the same /24 does not overlap it.
    expect((await pool({ name: "Beside", cidr: "10.10.1.0/24", rangeStart: "10.10.1.150" })).size).toBe(105);
  });

  it("allocates, lists allocations, refuses deletion while in use, releases and deletes", async () => {
    const p = await pool({ name: "Cycle", cidr: "10.50.0.0/29", gateway: null });
    const [s1, s2] = await subscribers(a, 2, "cycle");
    const first = await api("POST", `/api/ip-pools/${p.id}/allocations`, { subscriberId: s1 });
    expect(first.status).toBe(201);
    expect(first.body).toEqual({ address: "10.50.0.1", reused: false });
    const again = await api("POST", `/api/ip-pools/${p.id}/allocations`, { subscriberId: s1 });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ address: "10.50.0.1", reused: true });
    expect((await api("POST", `/api/ip-pools/${p.id}/allocations`, { subscriberId: s2 })).body.address).toBe(
      "10.50.0.2",
    );
    const used = await api("GET", `/api/ip-pools/${p.id}/allocations?state=used`);
    expect(used.body.items.map((x: { address: string; subscriberId: string }) => [x.address, x.subscriberId])).toEqual([
      ["10.50.0.1", s1],
      ["10.50.0.2", s2],
    ]);
    expect((await api("GET", `/api/ip-pools/${p.id}/allocations?state=free`)).body.total).toBe(4);
    expect((await api("GET", `/api/ip-pools/${p.id}`)).body.pool).toMatchObject({ size: 6, used: 2, free: 4 });

    const refused = await api("DELETE", `/api/ip-pools/${p.id}`);
    expectError(refused, 409, "conflict");
    expect(refused.body.error.message).toMatch(/2 allocated/);
    expect((await api("GET", `/api/ip-pools/${p.id}`)).body.pool).toMatchObject({ size: 6, used: 2, free: 4 });

    expectError(
      await api("POST", `/api/ip-pools/${p.id}/allocations`, { subscriberId: crypto.randomUUID() }),
      400,
      "validation_error",
    );
    expect((await api("DELETE", `/api/ip-pools/${p.id}/allocations/10.50.0.1`)).status).toBe(204);
    expectError(await api("DELETE", `/api/ip-pools/${p.id}/allocations/10.50.0.1`), 404, "not_found");
    expect((await api("DELETE", `/api/ip-pools/${p.id}/allocations/10.50.0.2`)).status).toBe(204);
    expect((await api("DELETE", `/api/ip-pools/${p.id}`)).status).toBe(204);
    expectError(await api("GET", `/api/ip-pools/${p.id}`), 404, "not_found");
    // Its addresses are gone too, so a new pool may take them.
    expect((await pool({ name: "Reuse", cidr: "10.50.0.0/29" })).size).toBe(5);
  });

  it("never hands out the gateway; moving it frees the old one and refuses an address in use", async () => {
    const p = await pool({ name: "Gw", cidr: "10.80.0.0/29" });
    expect(p).toMatchObject({ gateway: "10.80.0.1", size: 5 });
    const subs = await subscribers(a, 6, "gw");
    const got: string[] = [];
    for (const subscriberId of subs.slice(0, 5)) {
      got.push((await api("POST", `/api/ip-pools/${p.id}/allocations`, { subscriberId })).body.address);
    }
    expect(got).toEqual(["10.80.0.2", "10.80.0.3", "10.80.0.4", "10.80.0.5", "10.80.0.6"]);
    expectError(
      await api("POST", `/api/ip-pools/${p.id}/allocations`, { subscriberId: subs[5] }),
      409,
      "pool_exhausted",
    );

    const taken = await api("PATCH", `/api/ip-pools/${p.id}`, { gateway: "10.80.0.6" });
    expectError(taken, 409, "conflict");
    expect(taken.body.error.message).toMatch(/gateway/);
    const outside = await api("PATCH", `/api/ip-pools/${p.id}`, { gateway: "10.81.0.1" });
    expectError(outside, 400, "validation_error");
    expect(outside.body.error.message).toMatch(/^gateway/);

    expect((await api("DELETE", `/api/ip-pools/${p.id}/allocations/10.80.0.6`)).status).toBe(204);
    const moved = await api("PATCH", `/api/ip-pools/${p.id}`, { gateway: "10.80.0.6" });
    expect(moved.body.pool).toMatchObject({ gateway: "10.80.0.6", size: 5, used: 4 });
    // The old gateway is an ordinary address now; the new one is never handed out.
    expect((await api("POST", `/api/ip-pools/${p.id}/allocations`, { subscriberId: subs[5] })).body.address).toBe(
      "10.80.0.1",
    );
    const none = await api("PATCH", `/api/ip-pools/${p.id}`, { gateway: null });
    expect(none.body.pool).toMatchObject({ gateway: null, size: 6, used: 5, free: 1 });
    expectError(
      await api("POST", "/api/ip-pools", { name: "Bad gw", cidr: "10.82.0.0/29", gateway: "10.83.0.1" }),
      400,
      "validation_error",
    );
  });

  it("renames, and keeps pools invisible to other tenants", async () => {
    const p = await pool({ name: "Mine", cidr: "10.60.0.0/30" });
    expect((await api("PATCH", `/api/ip-pools/${p.id}`, { name: "Renamed" })).body.pool.name).toBe("Renamed");
    expectError(await api("GET", `/api/ip-pools/${p.id}`, undefined, b), 404, "not_found");
    expectError(await api("PATCH", `/api/ip-pools/${p.id}`, { name: "Taken" }, b), 404, "not_found");
    expectError(await api("DELETE", `/api/ip-pools/${p.id}`, undefined, b), 404, "not_found");
    expectError(await api("GET", `/api/ip-pools/${p.id}/allocations`, undefined, b), 404, "not_found");
    const [sb] = await subscribers(b, 1, "other");
    expectError(await api("POST", `/api/ip-pools/${p.id}/allocations`, { subscriberId: sb }, b), 404, "not_found");
    expect((await api("GET", `/api/ip-pools/${p.id}`)).body.pool).toMatchObject({ name: "Renamed", used: 0 });
    // Each tenant has its own address space: B may use the same CIDR.
    expect((await pool({ name: "Same CIDR", cidr: "10.60.0.0/30" }, b)).size).toBe(1);
  });
});

describe("IP allocation under concurrency", () => {
  it("hands out each address once: 100 parallel requests on a 60-address pool of a /25", async () => {
    const t = await signupTenant(stack);
    const res = await api(
      "POST",
      "/api/ip-pools",
      { name: "Race", cidr: "10.70.0.0/25", rangeStart: "10.70.0.10", rangeEnd: "10.70.0.69" },
      t,
    );
    expect(res.body.pool.size).toBe(60);
    const poolId = res.body.pool.id as string;
    const ids = await subscribers(t, 100, "race");
    const results = await Promise.all(
      ids.map((subscriberId) => api("POST", `/api/ip-pools/${poolId}/allocations`, { subscriberId }, t)),
    );
    const won = results.filter((r) => r.status === 201);
    expect(won).toHaveLength(60);
    expect(new Set(won.map((r) => r.body.address)).size).toBe(60);
    for (const r of results.filter((x) => x.status !== 201)) {
      expectError(r, 409, "pool_exhausted");
      expect(r.body.error.message).toMatch(/no free address/);
    }
    const used = await api("GET", `/api/ip-pools/${poolId}/allocations?state=used&limit=100`, undefined, t);
    expect(used.body.total).toBe(60);
    expect(new Set(used.body.items.map((x: { subscriberId: string }) => x.subscriberId)).size).toBe(60);
    expect((await api("GET", `/api/ip-pools/${poolId}`, undefined, t)).body.pool).toMatchObject({ used: 60, free: 0 });
  });
});
