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
});
