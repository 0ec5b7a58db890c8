import { createServer, get } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, type Stack, signupTenant, startStack, type TestTenant } from "../../../tests/harness.ts";
import { earlyRefusal, TenantBlocks } from "./early-refusal.ts";

// Once the shared counter refuses a tenant's signed-in request, the node handler refuses that
// tenant's further signed-in requests itself (early-refusal.ts) until the window ends. These tests
// check it refuses exactly what the app would, in the app's format, and nothing of anyone else.
let stack: Stack;
let a: TestTenant;
let b: TestTenant;
const LIMIT = 4;

beforeAll(async () => {
  stack = await startStack({ TENANT_RATE_LIMIT_PER_MIN: String(LIMIT) });
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
  for (let i = 0; i < LIMIT; i++) {
    expect((await stack.request("GET", "/api/auth/me", { host: a.host, token: a.token })).status).toBe(200);
  }
  // The app's own refusal: the shared counter says A's budget is spent, and the host is blocked.
  const byApp = await stack.request("GET", "/api/auth/me", { host: a.host, token: a.token });
  expect(byApp.status).toBe(429);
});
afterAll(() => stack.close());

/** Points spent in A's signed-in budget, as the shared counter (memory or Redis) holds them. */
async function spent(): Promise<number> {
  const res = await stack.runtime.deps.limiters.tenantRequests.get(`tenant_${a.id}:ratelimit`);
  return res?.consumedPoints ?? 0;
}

describe("early refusal of a tenant past its rate limit", () => {
  it("answers A's signed-in requests with the standard 429 without reaching the app or the counter", async () => {
    const before = await spent();
    const res = await stack.request("GET", "/api/users?limit=20", {
      host: a.host.toUpperCase(),
      token: a.token,
      headers: { "x-request-id": "early-refusal-test-1" },
    });
    expect(res.status).toBe(429);
    expect(res.body).toEqual({
      error: {
        code: "rate_limited",
        message: "Too many requests for this workspace; slow down.",
        requestId: "early-refusal-test-1",
      },
    });
    expect(res.headers["x-request-id"]).toBe("early-refusal-test-1");
    expect(Number(res.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(Number(res.headers["retry-after"])).toBeLessThanOrEqual(60);
    expect(res.headers["ratelimit-limit"]).toBe(String(LIMIT));
    expect(res.headers["ratelimit-remaining"]).toBe("0");
    // A POST's body is never read, and the connection still answers the next request.
    const post = await stack.request("POST", "/api/subscribers", { host: a.host, token: a.token, body: { x: 1 } });
    expect(post.status).toBe(429);
    expect(post.body.error.code).toBe("rate_limited");
    expect(typeof post.body.error.requestId).toBe("string");
    // Neither refusal went through the shared counter: the app would have spent a point on each.
    expect(await spent()).toBe(before);
  });

  it("leaves every other tenant and A's anonymous visitors alone", async () => {
    const other = await stack.request("GET", "/api/auth/me", { host: b.host, token: b.token });
    expect(other.status).toBe(200);
    // Without a token, or with one that does not verify, a request to A is anonymous: its own budgets.
    expect((await stack.request("GET", "/api/branding", { host: a.host })).status).toBe(200);
    const forged = await stack.request("GET", "/api/branding", { host: a.host, token: `${a.token.slice(0, -4)}AAAA` });
    expect(forged.status).toBe(200);
    // A's token on B's host is B's anonymous traffic, not A's.
    expect((await stack.request("GET", "/api/branding", { host: b.host, token: a.token })).status).toBe(200);
  });

  it("follows the app's host rule: a forwarded host from an untrusted peer does not pick A", async () => {
    // The stack trusts no proxy, so the app resolves B's Host header and ignores X-Forwarded-Host.
    const res = await stack.request("GET", "/api/branding", {
      host: b.host,
      token: a.token,
      headers: { "x-forwarded-host": a.host },
    });
    expect(res.status).toBe(200);
  });
});

describe("early refusal held back (refusalDelayMs, off by default)", () => {
  it("still answers the standard 429 when held, and a client gone meanwhile does not disturb it", async () => {
    const blocks = new TenantBlocks();
    blocks.block("held.example", "tenant-held", 30_000, 7);
    const gate = earlyRefusal({
      config: { TRUSTED_PROXIES: [], TRUSTED_PROXY_SECRET: undefined },
      tokens: { verifyTenant: async () => ({ tenantId: "tenant-held" }) } as never,
      blocks,
      refusalDelayMs: 200,
    });
    let seen = 0;
    const server = createServer(async (req, res) => {
      seen += 1;
      if (!(await gate(req, res))) res.end("app");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    try {
      // One client gives up while its refusal is held: its timer is dropped, the server keeps serving.
      const abandoned = get({
        port,
        host: "127.0.0.1",
        path: "/api/users",
        headers: { host: "held.example", authorization: "Bearer t" },
      });
      const closed = new Promise((r) => abandoned.once("close", r));
      abandoned.on("error", () => {});
      await expect.poll(() => seen, { timeout: 10_000 }).toBe(1);
      abandoned.destroy();
      await closed;
      const res = await httpRequest(port, "GET", "/api/users", { host: "held.example", token: "t" });
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe("rate_limited");
      expect(res.headers["ratelimit-limit"]).toBe("7");
      const other = await httpRequest(port, "GET", "/api/users", { host: "other.example", token: "t" });
      expect(other.status).toBe(200);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it("holds no more refusals at once than its cap: past it they are answered at once", async () => {
    const blocks = new TenantBlocks();
    blocks.block("capped.example", "tenant-capped", 60_000, 7);
    const gate = earlyRefusal({
      config: { TRUSTED_PROXIES: [], TRUSTED_PROXY_SECRET: undefined },
      tokens: { verifyTenant: async () => ({ tenantId: "tenant-capped" }) } as never,
      blocks,
      // Long enough that the first refusal is still held when the second one arrives.
      refusalDelayMs: 30_000,
      maxHeld: 1,
    });
    const server = createServer(async (req, res) => {
      if (!(await gate(req, res))) res.end("app");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    let firstAnswered = false;
    const first = get({
      port,
      host: "127.0.0.1",
      path: "/api/users",
      headers: { host: "capped.example", authorization: "Bearer t" },
    });
    first.on("response", () => {
      firstAnswered = true;
    });
    first.on("error", () => {});
    try {
      await new Promise((r) => first.once("socket", r));
      // The second is over the cap: its 429 comes now, while the first is still held.
      const second = await httpRequest(port, "GET", "/api/users", { host: "capped.example", token: "t" });
      expect(second.status).toBe(429);
      expect(second.body.error.code).toBe("rate_limited");
      expect(firstAnswered).toBe(false);
    } finally {
      first.destroy();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
