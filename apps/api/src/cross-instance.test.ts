import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, superAdminSession } from "../../../tests/harness.ts";

// Two API instances, each with its own resolver cache and its own connection to the shared state
// (Redis when REDIS_URL is set, as in CI).
let one: Stack;
let two: Stack;
beforeAll(async () => {
  [one, two] = await Promise.all([startStack(), startStack()]);
});
afterAll(async () => {
  await Promise.all([one.close(), two.close()]);
});

async function waitForStatus(stack: Stack, host: string, status: number, withinMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    const res = await stack.request("GET", "/api/branding", { host });
    if (res.status === status) return Date.now() - started;
    if (Date.now() - started > withinMs) return Number.POSITIVE_INFINITY;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("cache invalidation across instances", () => {
  it("a suspension made through one instance is enforced by the other within one second", async () => {
    const t = await signupTenant(one);
    // Warm instance two's cache with the active tenant (TTL is 60 s, so only invalidation helps).
    expect((await two.request("GET", "/api/branding", { host: t.host })).status).toBe(200);
    const op = await superAdminSession(one);
    expect((await one.request("POST", `/api/saas/tenants/${t.id}/suspend`, { token: op.token })).status).toBe(200);
    expect(await waitForStatus(two, t.host, 403, 1000)).toBeLessThanOrEqual(1000);

    expect((await one.request("POST", `/api/saas/tenants/${t.id}/resume`, { token: op.token })).status).toBe(200);
    expect(await waitForStatus(two, t.host, 200, 1000)).toBeLessThanOrEqual(1000);
  });

  it("a host cached as unknown on one instance resolves there right after signup on the other", async () => {
    const slug = `late${Date.now().toString(36)}`;
    const host = `${slug}.proxpanel.test`;
    expect((await two.request("GET", "/api/branding", { host })).status).toBe(404);
    await signupTenant(one, slug);
    expect(await waitForStatus(two, host, 200, 1000)).toBeLessThanOrEqual(1000);
  });

  it("logout everywhere on one instance invalidates the token on the other", async () => {
    const t = await signupTenant(one);
    expect((await two.request("GET", "/api/auth/me", { host: t.host, token: t.token })).status).toBe(200);
    expect((await one.request("POST", "/api/auth/logout-all", { host: t.host, token: t.token })).status).toBe(204);
    const started = Date.now();
    let status = 200;
    while (status !== 401 && Date.now() - started < 1000) {
      status = (await two.request("GET", "/api/auth/me", { host: t.host, token: t.token })).status;
    }
    expect(status).toBe(401);
  });
});
