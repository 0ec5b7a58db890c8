import { MemoryBus, MemoryState } from "@proxpanel/tenancy";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BASE,
  type Stack,
  signupTenant,
  startStack,
  superAdminSession,
  type TestTenant,
} from "../../../../../tests/harness.ts";
import { ASK_UNKNOWN_BUDGET } from "../tls-ask/index.ts";
import { startTxtServer, type TxtServer } from "./test-dns.ts";

let dns: TxtServer;
/** The API as Caddy sees it: loopback is a trusted proxy. */
let edge: Stack;
/** An instance that trusts no proxy: every caller is a stranger. */
let closed: Stack;
let a: TestTenant;
let b: TestTenant;
let verified: string;
let pending: string;

const suffix = `${process.pid}${Date.now().toString(36)}`;
const ask = (s: Stack, domain: string, headers: Record<string, string> = {}) =>
  s.request("GET", `/internal/tls/ask?domain=${encodeURIComponent(domain)}`, { headers });

beforeAll(async () => {
  dns = await startTxtServer();
  [edge, closed] = await Promise.all([
    startStack({ DNS_SERVERS: dns.address, TRUSTED_PROXIES: "127.0.0.1" }),
    startStack({ DNS_SERVERS: dns.address }),
  ]);
  [a, b] = await Promise.all([signupTenant(edge), signupTenant(edge)]);
  verified = `panel-${suffix}.isp-a.example.org`;
  pending = `panel-${suffix}.isp-b.example.org`;
  const claim = await edge.request("PUT", "/api/settings/domain", {
    host: a.host,
    token: a.token,
    body: { domain: verified },
  });
  dns.records.set(`_proxpanel-challenge.${verified}`, [claim.body.dns.txt.value]);
  expect((await edge.request("POST", "/api/settings/domain/verify", { host: a.host, token: a.token })).status).toBe(
    200,
  );
  expect(
    (await edge.request("PUT", "/api/settings/domain", { host: b.host, token: b.token, body: { domain: pending } }))
      .status,
  ).toBe(200);
});
afterAll(async () => {
  await Promise.all([edge?.close(), closed?.close()]);
  await dns?.close();
});

describe("custom domain ownership", () => {
  it("lets a claim lock nobody out and say nothing about other holders; the TXT record decides", async () => {
    const c = await signupTenant(edge);
    const put = (t: TestTenant, domain: string) =>
      edge.request("PUT", "/api/settings/domain", { host: t.host, token: t.token, body: { domain } });
    // Claiming a name someone verified, or someone else claimed, is an ordinary pending claim.
    for (const domain of [verified, pending]) {
      const res = await put(c, domain);
      expect(res.status, domain).toBe(200);
      expect(res.body).toMatchObject({ domain, status: "pending" });
    }
    // …that serves nothing and takes nothing from the verified holder.
    expect((await edge.request("GET", "/api/branding", { host: verified })).body.companyName).toBe(`Company ${a.slug}`);
    // The real owner publishes its TXT record: it wins, and the other pending claim is released.
    const contested = `shop-${suffix}.isp-c.example.org`;
    const squatter = await signupTenant(edge);
    expect((await put(squatter, contested)).status).toBe(200);
    const owner = await put(c, contested);
    dns.records.set(`_proxpanel-challenge.${contested}`, [owner.body.dns.txt.value]);
    const won = await edge.request("POST", "/api/settings/domain/verify", { host: c.host, token: c.token });
    expect(won.status).toBe(200);
    expect(won.body).toMatchObject({ domain: contested, status: "verified" });
    const lost = await edge.request("GET", "/api/settings/domain", { host: squatter.host, token: squatter.token });
    expect(lost.body).toMatchObject({ domain: null, status: "none" });
    expect((await edge.request("GET", "/api/branding", { host: contested })).body.companyName).toBe(
      `Company ${c.slug}`,
    );
    // The squatter's own audit log shows nothing of who took it; the operators' log does.
    const log = await edge.request("GET", "/api/audit-logs", { host: squatter.host, token: squatter.token });
    expect(JSON.stringify(log.body)).not.toContain(c.slug);
    const mine = await edge.request("GET", "/api/settings/domain", { host: b.host, token: b.token });
    expect(mine.body).toMatchObject({ domain: pending, status: "pending" });
  });

  it("lets an unverified claim expire; verifying it then asks for a renewal that keeps the TXT value", async () => {
    const t = await signupTenant(edge);
    const domain = `old-${suffix}.isp-d.example.org`;
    const claim = await edge.request("PUT", "/api/settings/domain", { host: t.host, token: t.token, body: { domain } });
    await edge.runtime.deps
      .sql`update public.tenants set custom_domain_claimed_at = now() - interval '73 hours' where id = ${t.id}`;
    const state = await edge.request("GET", "/api/settings/domain", { host: t.host, token: t.token });
    expect(state.body).toMatchObject({ domain, status: "expired" });
    dns.records.set(`_proxpanel-challenge.${domain}`, [claim.body.dns.txt.value]);
    const late = await edge.request("POST", "/api/settings/domain/verify", { host: t.host, token: t.token });
    expect(late.status).toBe(409);
    expect(late.body.error.message).toContain("expired");
    const renewed = await edge.request("PUT", "/api/settings/domain", {
      host: t.host,
      token: t.token,
      body: { domain },
    });
    expect(renewed.body).toMatchObject({ status: "pending", dns: { txt: { value: claim.body.dns.txt.value } } });
    expect((await edge.request("POST", "/api/settings/domain/verify", { host: t.host, token: t.token })).status).toBe(
      200,
    );
  });

  it("never serves a pending domain, not even to its claimant's token", async () => {
    expect((await edge.request("GET", "/api/branding", { host: pending })).status).toBe(404);
    expect((await edge.request("GET", "/api/users", { host: pending, token: b.token })).status).toBe(404);
  });

  it("refuses another tenant's token on a verified custom domain", async () => {
    const res = await edge.request("GET", "/api/users", { host: verified, token: b.token });
    expect(res.status).toBe(401);
  });

  it("needs a tenant admin's token to read or change the domain", async () => {
    expect((await edge.request("GET", "/api/settings/domain", { host: a.host })).status).toBe(401);
    expect((await edge.request("DELETE", "/api/settings/domain", { host: a.host, token: b.token })).status).toBe(401);
    expect((await edge.request("PUT", "/api/settings/domain", { body: { domain: "x.example.org" } })).status).toBe(404);
  });
});

describe("TLS ask endpoint", () => {
  it("approves verified custom domains and well-formed tenant hosts of active tenants only", async () => {
    expect((await ask(edge, verified)).status).toBe(200);
    expect((await ask(edge, a.host)).status).toBe(200);
    for (const refused of [pending, `nobody-${suffix}.${BASE}`, BASE, `deep.${a.slug}.${BASE}`, "example.com"]) {
      expect((await ask(edge, refused)).status, refused).toBe(404);
    }
    for (const malformed of ["", "a b.example", `${verified}:443`, `${verified}/x`, "[::1]"]) {
      expect((await ask(edge, malformed)).status, malformed).toBe(400);
    }
  });

  it("refuses names of a suspended tenant, and approves them again on resumption", async () => {
    const op = await superAdminSession(edge);
    expect((await edge.request("POST", `/api/saas/tenants/${a.id}/suspend`, { token: op.token })).status).toBe(200);
    expect((await ask(edge, verified)).status).toBe(404);
    expect((await ask(edge, a.host)).status).toBe(404);
    expect((await edge.request("POST", `/api/saas/tenants/${a.id}/resume`, { token: op.token })).status).toBe(200);
    expect((await ask(edge, verified)).status).toBe(200);
  });

  it("refuses every caller that is not a trusted proxy, whatever the name", async () => {
    for (const domain of [verified, a.host]) {
      const res = await ask(closed, domain);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe("forbidden");
      // Forwarded headers from a stranger do not make it a proxy.
      expect((await ask(closed, domain, { "x-forwarded-for": "127.0.0.1" })).status).toBe(403);
    }
  });

  it("refuses a request a proxy forwarded for a client (it carries X-Forwarded-For)", async () => {
    expect((await ask(edge, verified, { "x-forwarded-for": "203.0.113.9" })).status).toBe(403);
  });

  it("is not reachable through tenant or apex /api paths", async () => {
    const res = await edge.request("GET", `/api/internal/tls/ask?domain=${verified}`, { host: a.host });
    expect(res.status).toBe(404);
  });

  it("rate-limits floods of distinct unknown names (429), while a repeated name costs nothing", async () => {
    // Its own bus and counters: the budget is cluster-wide and other files share Redis.
    const lone = await startStack({ TRUSTED_PROXIES: "127.0.0.1" }, { state: new MemoryState(new MemoryBus()) });
    try {
      for (let i = 0; i < 20; i++) expect((await ask(lone, `same-${suffix}.example.net`)).status).toBe(404);
      for (let i = 1; i < ASK_UNKNOWN_BUDGET; i++) {
        expect((await ask(lone, `random${i}-${suffix}.example.net`)).status).toBe(404);
      }
      const over = await ask(lone, `one-too-many-${suffix}.example.net`);
      expect(over.status).toBe(429);
      expect(over.body.error.code).toBe("rate_limited");
      expect(Number(over.headers["retry-after"])).toBeGreaterThan(0);
    } finally {
      await lone.close();
    }
  });
});
