import { spawnSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import tls from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTxtServer, type TxtServer } from "../apps/api/src/routes/domains/test-dns.ts";
import { type Caddy, startCaddy } from "./caddy-harness.ts";
import {
  BASE,
  type Stack,
  signupTenant,
  startStack,
  superAdminSession,
  type TestTenant,
  uniqueSlug,
} from "./harness.ts";

// Everything below goes through a real Caddy (infra/Caddyfile.test, Debian's caddy 2.6) in front
// of a real API on loopback; connections name the site by SNI and Host, like a browser would.

let dns: TxtServer;
let stack: Stack;
let caddy: Caddy;
let panelDir: string;
let a: TestTenant;
let b: TestTenant;
let op: Awaited<ReturnType<typeof superAdminSession>>;
const suffix = `${process.pid}${Date.now().toString(36)}`;
const customA = `panel-${suffix}.isp-a.example.org`;
const pendingB = `panel-${suffix}.isp-b.example.org`;

interface EdgeResponse {
  status: number;
  body: string;
  json: () => { [k: string]: unknown };
  certNames: string[];
}

/** One HTTPS request over a fresh TLS connection to Caddy, with `host` as SNI and Host header. */
function viaCaddy(
  host: string,
  reqPath: string,
  opts: { method?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<EdgeResponse> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: "127.0.0.1",
        port: caddy.httpsPort,
        servername: host,
        method: opts.method ?? "GET",
        path: reqPath,
        rejectUnauthorized: false,
        agent: false,
        headers: {
          host,
          ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const cert = (res.socket as tls.TLSSocket).getPeerCertificate();
        const certNames = (cert.subjectaltname ?? "").split(", ").map((s) => s.replace(/^DNS:/, ""));
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, body, json: () => JSON.parse(body), certNames });
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** Resolves with the TLS error when the handshake for `servername` is refused. */
function handshake(servername: string): Promise<{ ok: true; names: string[] } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const s = tls.connect({ host: "127.0.0.1", port: caddy.httpsPort, servername, rejectUnauthorized: false }, () => {
      const names = (s.getPeerCertificate().subjectaltname ?? "").split(", ").map((n) => n.replace(/^DNS:/, ""));
      s.end();
      resolve({ ok: true, names });
    });
    s.on("error", (err) => resolve({ ok: false, error: err.message }));
  });
}

/** A handshake that checks the chain and the name against `ca`, as a browser trusting it does. */
function verifiedHandshake(servername: string, ca: string): Promise<{ ok: true } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const s = tls.connect(
      { host: "127.0.0.1", port: caddy.httpsPort, servername, ca, rejectUnauthorized: true },
      () => {
        s.end();
        resolve({ ok: true });
      },
    );
    s.on("error", (err) => resolve({ ok: false, error: err.message }));
  });
}

beforeAll(async () => {
  dns = await startTxtServer();
  panelDir = await mkdtemp(path.join(tmpdir(), "proxpanel-panel-"));
  await writeFile(path.join(panelDir, "index.html"), "<!doctype html><title>ProxPanel</title>");
  stack = await startStack({ TRUSTED_PROXIES: "127.0.0.1", DNS_SERVERS: dns.address });
  caddy = await startCaddy({ baseDomain: BASE, apiPort: stack.port, panelDist: panelDir });
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
  op = await superAdminSession(stack);

  // A claims and verifies a domain through Caddy; B only claims one.
  const claim = await viaCaddy(a.host, "/api/settings/domain", { method: "PUT", token: a.token });
  expect(claim.status).toBe(400); // no body: proves the route is reached through Caddy
  const put = await stack.request("PUT", "/api/settings/domain", {
    host: a.host,
    token: a.token,
    body: { domain: customA },
  });
  dns.records.set(`_proxpanel-challenge.${customA}`, [put.body.dns.txt.value]);
  const verified = await viaCaddy(a.host, "/api/settings/domain/verify", { method: "POST", token: a.token });
  expect(verified.status).toBe(200);
  await stack.request("PUT", "/api/settings/domain", { host: b.host, token: b.token, body: { domain: pendingB } });
});
afterAll(async () => {
  await caddy?.close();
  await stack?.close();
  await dns?.close();
  if (panelDir) await rm(panelDir, { recursive: true, force: true });
});

describe("through a real Caddy", () => {
  it("serves <slug>.<base> with a certificate of its own that verifies against the local CA", async () => {
    const res = await viaCaddy(a.host, "/api/branding");
    expect(res.status).toBe(200);
    expect(res.json().companyName).toBe(`Company ${a.slug}`);
    // Per name, never `*.<base>`: a wildcard under a single-label base such as `localhost` is refused.
    expect(res.certNames).toEqual([a.host]);
    const verified = await verifiedHandshake(a.host, await caddy.rootCa());
    expect(verified).toEqual({ ok: true });
  });

  it("gives a verified custom domain its own certificate on the first handshake, and the tenant's data", async () => {
    const res = await viaCaddy(customA, "/api/branding");
    expect(res.status).toBe(200);
    expect(res.certNames).toEqual([customA]);
    expect(res.json().companyName).toBe(`Company ${a.slug}`);
    const users = await viaCaddy(customA, "/api/users", { token: a.token });
    expect(users.status).toBe(200);
  });

  it.each([
    ["an unverified domain", () => pendingB],
    ["an unknown domain", () => `unknown-${suffix}.example.net`],
    ["a name deeper than a tenant host", () => `x.${a.slug}.${BASE}`],
  ])("fails the TLS handshake for %s", async (_what, name) => {
    const res = await handshake(name());
    expect(res.ok).toBe(false);
  });

  it("serves the console on the apex and never a tenant there, whatever the client forges", async () => {
    expect((await viaCaddy(BASE, "/api/saas/tenants")).status).toBe(401);
    expect((await viaCaddy(BASE, "/api/saas/tenants", { token: op.token })).status).toBe(200);
    expect((await viaCaddy(BASE, "/api/branding")).status).toBe(404);
    // Caddy overwrites forwarded headers, so claiming a tenant's host from outside gets nothing.
    const forged = await viaCaddy(BASE, "/api/branding", { headers: { "x-forwarded-host": a.host } });
    expect(forged.status).toBe(404);
    expect((await viaCaddy(a.host, "/api/saas/tenants", { token: op.token })).status).toBe(404);
  });

  it("keeps /internal unreachable from outside on every site", async () => {
    for (const host of [BASE, a.host, customA]) {
      const res = await viaCaddy(host, `/internal/tls/ask?domain=${customA}`);
      expect(res.status, host).toBe(404);
      expect(res.body).toBe("");
    }
  });

  it("serves the panel's files, falls back to its index.html, and proxies only /api", async () => {
    const page = await viaCaddy(a.host, "/subscribers/42");
    expect(page.status).toBe(200);
    expect(page.body).toContain("<title>ProxPanel</title>");
    const api404 = await viaCaddy(a.host, "/api/does-not-exist", { token: a.token });
    expect(api404.status).toBe(404);
    expect(api404.json()).toMatchObject({ error: { code: "not_found" } });
  });

  it("answers 403 for a suspended tenant", async () => {
    const t = await signupTenant(stack);
    expect((await viaCaddy(t.host, "/api/branding")).status).toBe(200);
    expect((await stack.request("POST", `/api/saas/tenants/${t.id}/suspend`, { token: op.token })).status).toBe(200);
    const res = await viaCaddy(t.host, "/api/branding");
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ error: { code: "tenant_suspended" } });
  });

  it("404s the old slug at once after a rename, and serves the new one", async () => {
    const t = await signupTenant(stack);
    expect((await viaCaddy(t.host, "/api/branding")).status).toBe(200);
    const slug = uniqueSlug("rn");
    const renamed = await stack.request("PATCH", `/api/saas/tenants/${t.id}`, { token: op.token, body: { slug } });
    expect(renamed.status).toBe(200);
    expect((await viaCaddy(t.host, "/api/branding")).status).toBe(404);
    expect((await viaCaddy(`${slug}.${BASE}`, "/api/branding")).status).toBe(200);
  });
});

describe("the production Caddyfile", () => {
  it("parses with this Caddy once the DNS provider line (a module Debian's build lacks) is left out", async () => {
    const root = path.resolve(import.meta.dirname, "..");
    const dir = await mkdtemp(path.join(tmpdir(), "proxpanel-caddyfile-"));
    try {
      const prod = await readFile(path.join(root, "Caddyfile"), "utf8");
      expect(prod).toMatch(/^\s*dns cloudflare /m);
      await writeFile(path.join(dir, "Caddyfile"), prod.replace(/^\s*dns cloudflare .*$/m, ""));
      await mkdir(path.join(dir, "infra"), { recursive: true });
      await cp(path.join(root, "infra/caddy"), path.join(dir, "infra/caddy"), { recursive: true });
      const env = { PATH: process.env.PATH, HOME: dir, BASE_DOMAIN: "saas.example.com", ACME_EMAIL: "ops@example.com" };
      const out = spawnSync("caddy", ["adapt", "--adapter", "caddyfile", "--config", "Caddyfile"], {
        cwd: dir,
        env: { ...env, API_UPSTREAMS: "api:8080", API_ASK_URL: "http://api:8080/internal/tls/ask" },
        encoding: "utf8",
      });
      expect(out.stderr).not.toMatch(/Error/);
      expect(out.status).toBe(0);
      const json = JSON.parse(out.stdout);
      expect(json.apps.tls.automation.on_demand.ask).toBe("http://api:8080/internal/tls/ask");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
