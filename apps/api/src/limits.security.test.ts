import { randomInt } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, superAdminSession } from "../../../tests/harness.ts";

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
