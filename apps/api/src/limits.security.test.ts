import { randomInt } from "node:crypto";
import { loadConfig } from "@proxpanel/config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, superAdminSession } from "../../../tests/harness.ts";
import { tenantBurstWindow } from "./limiters.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({
    TENANT_RATE_LIMIT_PER_MIN: "8",
    ANON_RATE_LIMIT_PER_MIN_PER_IP: "5",
    ANON_RATE_LIMIT_PER_MIN: "1000",
    LOGIN_MAX_FAILURES_PER_ACCOUNT: "3",
  });
});
afterAll(() => stack.close());

describe("per-tenant rate limit", () => {
  it("counts per tenant, sends RateLimit headers, and answers 429 with the stable body", async () => {
    const [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
    const statuses: number[] = [];
    let last: Awaited<ReturnType<Stack["request"]>> | undefined;
    for (let i = 0; i < 9; i++) {
      last = await stack.request("GET", "/api/auth/me", { host: a.host, token: a.token });
      statuses.push(last.status);
    }
    expect(statuses.slice(0, 8).every((s) => s === 200)).toBe(true);
    expect(statuses[8]).toBe(429);
    expect(last?.body.error.code).toBe("rate_limited");
    expect(last?.headers["retry-after"]).toMatch(/^\d+$/);
    expect(last?.headers["ratelimit-limit"]).toBe("8");
    expect(last?.headers["ratelimit-remaining"]).toBe("0");

    const other = await stack.request("GET", "/api/auth/me", { host: b.host, token: b.token });
    expect(other.status).toBe(200);
    expect(Number(other.headers["ratelimit-remaining"])).toBeGreaterThan(0);
  });

  it("keeps anonymous traffic on budgets of its own: a flood cannot lock the signed-in staff out", async () => {
    const t = await signupTenant(stack);
    const flood: number[] = [];
    for (let i = 0; i < 12; i++) flood.push((await stack.request("GET", "/api/branding", { host: t.host })).status);
    expect(flood.slice(0, 4).every((s) => s === 200)).toBe(true);
    expect(flood.slice(-3)).toEqual([429, 429, 429]);
    // A forged or foreign token is anonymous too.
    const forged = await stack.request("GET", "/api/branding", { host: t.host, token: `${t.token.slice(0, -4)}AAAA` });
    expect(forged.status).toBe(429);
    const me = await stack.request("GET", "/api/auth/me", { host: t.host, token: t.token });
    expect(me.status).toBe(200);
    expect(me.headers["ratelimit-limit"]).toBe("8");
  });

  it("does not count console traffic against any tenant", async () => {
    const op = await superAdminSession(stack);
    for (let i = 0; i < 10; i++) {
      expect((await stack.request("GET", "/api/saas/tenants", { token: op.token })).status).toBe(200);
    }
  });
});

describe("short windows of the signed-in budget (TENANT_RATE_LIMIT_BURST)", () => {
  // 4 a minute, at most 3 at once: windows of 3 requests per 45 s (long enough that none lapses
  // during the test on a loaded machine), the minute's 4 capping the total.
  let spread: Stack;
  beforeAll(async () => {
    spread = await startStack({ TENANT_RATE_LIMIT_PER_MIN: "4", TENANT_RATE_LIMIT_BURST: "3" });
  });
  afterAll(() => spread?.close());

  const spent = async (key: string) => {
    const { tenantRequests, tenantBurst } = spread.runtime.deps.limiters;
    const [minute, burst] = await Promise.all([
      tenantRequests.get(`${key}:ratelimit`),
      tenantBurst?.limiter.get(`${key}:ratelimit_burst`),
    ]);
    return { minute: minute?.consumedPoints ?? 0, burst: burst?.consumedPoints ?? 0 };
  };

  it("derives the window from the minute's budget and the burst", () => {
    const window = (perMin: number, burst: number) =>
      tenantBurstWindow({ TENANT_RATE_LIMIT_PER_MIN: perMin, TENANT_RATE_LIMIT_BURST: burst });
    // The defaults: 60 of the minute's 300 per 12 s.
    const defaults = loadConfig({ DATABASE_URL: "postgres://x@127.0.0.1/x" });
    expect(window(defaults.TENANT_RATE_LIMIT_PER_MIN, defaults.TENANT_RATE_LIMIT_BURST)).toEqual({
      points: 60,
      duration: 12,
    });
    expect(window(4, 3)).toEqual({ points: 3, duration: 45 });
    // Never below a second, nor below a second's share of the minute.
    expect(window(6000, 20)).toEqual({ points: 100, duration: 1 });
    // A burst of the whole minute (or more) leaves the minute alone, as before.
    expect(window(300, 300)).toBeUndefined();
  });

  it("refuses a burst past the allowance with the stable 429, without spending the minute", async () => {
    const [a, b] = await Promise.all([signupTenant(spread), signupTenant(spread)]);
    const me = (t: typeof a) => spread.request("GET", "/api/auth/me", { host: t.host, token: t.token });
    const first = await me(a);
    expect(first.status).toBe(200);
    // The tighter of the two budgets is the one the headers describe.
    expect(first.headers["ratelimit-limit"]).toBe("3");
    expect(first.headers["ratelimit-remaining"]).toBe("2");
    expect((await me(a)).status).toBe(200);
    expect((await me(a)).status).toBe(200);

    const refused = await me(a);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({
      code: "rate_limited",
      message: "Too many requests for this workspace; slow down.",
    });
    expect(Number(refused.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers["retry-after"])).toBeLessThanOrEqual(45);
    expect(refused.headers["ratelimit-limit"]).toBe("3");
    expect(refused.headers["ratelimit-remaining"]).toBe("0");
    // The refusal did not spend the minute: its fourth request is still there when the window ends.
    expect(await spent(`tenant_${a.id}`)).toEqual({ minute: 3, burst: 4 });

    // Refused early from then on (the memo follows the short window), the counters untouched.
    const early = await me(a);
    expect(early.status).toBe(429);
    expect(early.body.error.code).toBe("rate_limited");
    expect(early.headers["ratelimit-limit"]).toBe("3");
    expect(Number(early.headers["retry-after"])).toBeLessThanOrEqual(45);
    expect(await spent(`tenant_${a.id}`)).toEqual({ minute: 3, burst: 4 });

    // Another tenant's budget is its own.
    const other = await me(b);
    expect(other.status).toBe(200);
    expect(other.headers["ratelimit-remaining"]).toBe("2");
  });

  it("still enforces the minute's total when the short window has room", async () => {
    const t = await signupTenant(spread);
    // The minute's 4 already spent (as by three earlier windows), the short window fresh.
    await spread.runtime.deps.limiters.tenantRequests.penalty(`tenant_${t.id}:ratelimit`, 4);
    const res = await spread.request("GET", "/api/auth/me", { host: t.host, token: t.token });
    expect(res.status).toBe(429);
    expect(res.body.error.code).toBe("rate_limited");
    expect(res.headers["ratelimit-limit"]).toBe("4");
    expect(Number(res.headers["retry-after"])).toBeLessThanOrEqual(60);
  });
});

describe("login throttling", () => {
  it("locks an account after repeated failures, even for the right password", async () => {
    const t = await signupTenant(stack);
    const other = await signupTenant(stack);
    for (let i = 0; i < 3; i++) {
      const res = await stack.request("POST", "/api/auth/login", {
        host: t.host,
        body: { email: t.email, password: "nope-nope" },
      });
      expect(res.status).toBe(401);
    }
    const locked = await stack.request("POST", "/api/auth/login", {
      host: t.host,
      body: { email: t.email, password: t.password },
    });
    expect(locked.status).toBe(429);
    expect(locked.body.error.code).toBe("rate_limited");
    // Another tenant's account with the same throttle is unaffected.
    const fine = await stack.request("POST", "/api/auth/login", {
      host: other.host,
      body: { email: other.email, password: other.password },
    });
    expect(fine.status).toBe(200);
  });

  it("limits failures per client address across accounts (address taken from the trusted proxy)", async () => {
    const proxied = await startStack({ TRUSTED_PROXIES: "loopback", LOGIN_MAX_FAILURES_PER_IP: "4" });
    try {
      // Signed up through the other instance: 127.0.0.1's own budget is not what is under test.
      const t = await signupTenant(stack);
      // Failure counters live in Redis beyond this run: an address no earlier run can have used.
      const ip = `2001:db8::${randomInt(1, 0xffff).toString(16)}:${randomInt(1, 0xffff).toString(16)}`;
      const attempt = (email: string, password: string, from: string) =>
        proxied.request("POST", "/api/auth/login", {
          host: t.host,
          headers: { "x-forwarded-for": from },
          body: { email, password },
        });
      for (let i = 0; i < 4; i++) expect((await attempt(`user${i}@spray.example`, "guess-1", ip)).status).toBe(401);
      expect((await attempt(t.email, t.password, ip)).status).toBe(429);
      expect((await attempt(t.email, t.password, "192.0.2.77")).status).toBe(200);
    } finally {
      await proxied.close();
    }
  });

  it("answers an unknown e-mail exactly like a wrong password", async () => {
    const t = await signupTenant(stack);
    const res = await stack.request("POST", "/api/auth/login", {
      host: t.host,
      body: { email: "ghost@nowhere.example", password: "whatever-1" },
    });
    expect(res.status).toBe(401);
    expect(res.body.error.message).toBe("Wrong e-mail or password");
  });
});
