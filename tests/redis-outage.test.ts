// Redis is an accelerator, not a single point of failure: with it down, tenant requests are still
// served (per-instance rate limits, local invalidation), /readyz says degraded, and once it is back
// every instance drops the caches it may have let go stale (no suspension outlives the outage).
import { startRedisServer } from "@proxpanel/tenancy/testing/redis-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, superAdminSession, type TestTenant } from "./harness.ts";

let redis: Awaited<ReturnType<typeof startRedisServer>>;
let one: Stack;
let two: Stack;
let tenant: TestTenant;
beforeAll(async () => {
  redis = await startRedisServer();
  // Two API instances on one private Redis (never the machine's own: this test stops it), with the
  // signed-in budget's short windows on (30 at once), so both of its counters fall back too.
  const env = { REDIS_URL: redis.url, TENANT_RATE_LIMIT_BURST: "30" };
  [one, two] = await Promise.all([startStack(env), startStack(env)]);
  tenant = await signupTenant(one);
});
afterAll(async () => {
  await Promise.all([one?.close(), two?.close()]);
  await redis?.stop();
});

describe("Redis outage", () => {
  it("keeps serving tenants while Redis is down and drops stale caches when it returns", async () => {
    const me = (s: Stack) => s.request("GET", "/api/auth/me", { host: tenant.host, token: tenant.token });
    // Instance two has the tenant cached as active.
    expect((await me(two)).status).toBe(200);
    const operator = await superAdminSession(one);

    await redis.stop();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await me(i % 2 ? one : two)).status);
    const created = await one.request("POST", "/api/plans", {
      host: tenant.host,
      token: tenant.token,
      body: { name: "During the outage", downloadKbps: 1, uploadKbps: 1 },
    });
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(created.status).toBe(201);
    const ready = await one.request("GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ status: "degraded", checks: { database: true, state: false } });

    // Suspended through instance one while the bus is down: instance two cannot hear of it…
    const suspended = await one.request("POST", `/api/saas/tenants/${tenant.id}/suspend`, { token: operator.token });
    expect(suspended.status).toBe(200);
    expect((await me(one)).status).toBe(403);

    // …until Redis returns: then it drops its caches, and the suspension holds there too.
    redis = await startRedisServer(redis.port);
    await expect.poll(async () => (await me(two)).status, { timeout: 15_000, interval: 250 }).toBe(403);
    await expect.poll(async () => (await one.request("GET", "/readyz")).body.status, { timeout: 15_000 }).toBe("ready");
  });
});
