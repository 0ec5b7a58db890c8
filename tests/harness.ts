import http from "node:http";
import type { AddressInfo } from "node:net";
import { currentTotp, hashPassword } from "@proxpanel/auth";
import { loadConfig } from "@proxpanel/config";
import { superAdmins } from "@proxpanel/db";
import {
  MemoryState,
  openSharedState,
  type SharedState,
  SYSTEM_ACTOR,
  TenantResolver,
  updateTenant,
} from "@proxpanel/tenancy";
import type { Hono } from "hono";
import pino from "pino";
import { inject } from "vitest";
import { createApp } from "../apps/api/src/app.ts";
import { bootstrap, type Runtime } from "../apps/api/src/bootstrap.ts";
import { earlyRefusal } from "../apps/api/src/early-refusal.ts";
import type { AppEnv } from "../apps/api/src/env.ts";
import { serveApp } from "../apps/api/src/host-guard.ts";
import { ensureStandaloneTenant } from "../apps/api/src/standalone.ts";

/**
 * `PROXPANEL_TEST_MODE=standalone` (the "standalone" vitest project) re-runs API suites against
 * standalone-mode apps: each `signupTenant` creates its tenant through onboarding and serves its
 * host with an app whose resolver is pinned to it (PROXPANEL_MODE=standalone), so the suites' own
 * isolation checks still have two installs to compare. Other hosts reach an unpinned app, so a
 * suite may still use the operator console as a fixture tool; standalone.security.test.ts proves
 * that a real standalone stack answers 404 there on every host.
 */
export const STANDALONE_TEST_MODE = process.env.PROXPANEL_TEST_MODE === "standalone";

// Every API suite checks each JSON answer against the response schema its route declares in the
// OpenAPI document (apps/api/src/openapi.ts): a wrong type or an undocumented field is a 500 that
// names it, so the document and the panel's generated types cannot drift from the services.
process.env.PROXPANEL_CHECK_RESPONSES ??= "1";
// Workers of every suite share one database: none builds spare tenant schemas (see global-setup.ts).
process.env.TENANT_SPARE_SCHEMAS ??= "0";

interface StandaloneApps {
  byHost: Map<string, Hono<AppEnv>>;
  resolvers: TenantResolver[];
}
const standaloneApps = new WeakMap<Stack, StandaloneApps>();

export const BASE = "proxpanel.test";
export const TEST_SECRETS = {
  SAAS_TENANT_JWT_SECRET: "test-tenant-secret-0123456789abcdef0123456789",
  SAAS_SUPERADMIN_JWT_SECRET: "test-superadmin-secret-0123456789abcdef012345",
  DATA_ENCRYPTION_KEY: "test-data-key-0123456789abcdef0123456789abcd",
  BACKUP_LICENSE_KEY: "test-backup-license-0123456789abcdef",
};

export interface Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: tests read response fields directly and assert on them
  body: any;
}

export interface RequestOptions {
  host?: string;
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface Stack {
  runtime: Runtime;
  port: number;
  request(method: string, path: string, opts?: RequestOptions): Promise<Response>;
  close(): Promise<void>;
}

/** Raw HTTP so the Host header is ours to set (fetch always sends the URL's host). */
export function httpRequest(port: number, method: string, path: string, opts: RequestOptions = {}): Promise<Response> {
  // Strings are sent as they are (CSV uploads); anything else as JSON.
  const payload =
    opts.body === undefined ? undefined : typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body);
  const headers: Record<string, string> = {
    host: opts.host ?? BASE,
    ...(payload ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(payload)) } : {}),
    ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    ...opts.headers,
  };
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let body: unknown = text;
        try {
          body = text ? JSON.parse(text) : null;
        } catch {
          // not JSON; keep the text
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
      });
    });
    req.on("error", reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** A real API instance on a random port, against the run's test database and (in CI) real Redis. */
export async function startStack(env: Record<string, string> = {}, opts: { state?: SharedState } = {}): Promise<Stack> {
  const url = STANDALONE_TEST_MODE ? inject("standaloneDatabaseUrl") : process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL missing: run through vitest (global setup)");
  const config = loadConfig({
    NODE_ENV: "test",
    DATABASE_URL: url,
    BASE_DOMAIN: BASE,
    LOG_LEVEL: "silent",
    SEED_DEMO: "false",
    DB_POOL_MAX: "8",
    TENANT_CONCURRENCY: "4",
    // Every test connects from 127.0.0.1 and Redis outlives a run: a per-address budget would
    // spill between files and runs. Tests of the per-address limit set their own.
    LOGIN_MAX_FAILURES_PER_IP: "1000000",
    // Tests fire dozens of requests at one tenant at once (races, parallel creations): the minute's
    // budget alone counts for them. Tests of the short windows set their own burst.
    TENANT_RATE_LIMIT_BURST: "1000000",
    ...TEST_SECRETS,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...(STANDALONE_TEST_MODE ? { PROXPANEL_MODE: "standalone" } : {}),
    ...env,
  });
  const state =
    opts.state ?? (config.REDIS_URL ? openSharedState(config, process.env.TEST_DATABASE_URL) : new MemoryState());
  const runtime = await bootstrap(config, { logger: pino({ level: "silent" }), state, migrate: false });
  const app = createApp(runtime.deps);
  const apps: StandaloneApps | undefined =
    config.PROXPANEL_MODE === "standalone" ? { byHost: new Map(), resolvers: [] } : undefined;
  const fetch: typeof app.fetch = apps
    ? (req, env, ctx) => (apps.byHost.get(req.headers.get("host") ?? "") ?? app).fetch(req, env, ctx)
    : app.fetch;
  const server = await new Promise<ReturnType<typeof serveApp>>((resolve) => {
    const gate = earlyRefusal({ ...runtime.deps, blocks: runtime.deps.limiters.tenantBlocks });
    const s = serveApp({ fetch, port: 0, hostname: "127.0.0.1", gate }, () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  const stack: Stack = {
    runtime,
    port,
    request: (method, path, o) => httpRequest(port, method, path, o),
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await Promise.all((apps?.resolvers ?? []).map((r) => r.stop()));
      await runtime.close();
      if (!opts.state) await state.close();
    },
  };
  if (apps) standaloneApps.set(stack, apps);
  return stack;
}

/** Standalone test mode: a tenant created by onboarding, served on `host` by an app pinned to it. */
async function standaloneTenant(stack: Stack, apps: StandaloneApps, slug: string, email: string, password: string) {
  const { deps } = stack.runtime;
  const { id } = await ensureStandaloneTenant(deps, {
    slug,
    companyName: `Company ${slug}`,
    adminEmail: email,
    adminPassword: password,
  });
  const c = deps.config;
  const resolver = new TenantResolver(deps.db, deps.state, {
    baseDomain: c.BASE_DOMAIN,
    ttlMs: c.RESOLVER_TTL_MS,
    negativeTtlMs: c.RESOLVER_NEGATIVE_TTL_MS,
    maxEntries: c.RESOLVER_MAX_ENTRIES,
  });
  await resolver.start();
  resolver.pinStandalone(slug);
  apps.resolvers.push(resolver);
  apps.byHost.set(`${slug}.${BASE}`, createApp({ ...deps, resolver }));
  return id;
}

let counter = 0;
export function uniqueSlug(prefix = "t"): string {
  counter += 1;
  return `${prefix}${Date.now().toString(36)}${process.pid.toString(36)}${counter}`.slice(0, 40);
}

export interface TestTenant {
  id: string;
  slug: string;
  host: string;
  token: string;
  email: string;
  password: string;
}

/** A fresh tenant through the real signup path, with its owner signed in. */
export async function signupTenant(stack: Stack, slug = uniqueSlug()): Promise<TestTenant> {
  const email = `owner@${slug}.example`;
  const password = "correct-horse-battery";
  const apps = standaloneApps.get(stack);
  let id: string;
  if (apps) {
    id = await standaloneTenant(stack, apps, slug, email, password);
  } else {
    const res = await stack.request("POST", "/api/signup", {
      body: { slug, companyName: `Company ${slug}`, plan: "trial", adminEmail: email, adminPassword: password },
    });
    if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
    id = res.body.tenant.id;
    // Signup starts on the trial; suites test a paying ISP, moved to starter as the console would.
    const { db, resolver } = stack.runtime.deps;
    await updateTenant({ db, resolver }, { id, plan: "starter", subscriberCap: 5000 }, SYSTEM_ACTOR);
  }
  const host = `${slug}.${BASE}`;
  const login = await stack.request("POST", "/api/auth/login", { host, body: { email, password } });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  return { id, slug, host, token: login.body.token, email, password };
}

/** An operator account created directly in the registry, then signed in through the API. */
export async function superAdminSession(stack: Stack, opts: { totp?: boolean } = {}) {
  const email = `op-${uniqueSlug()}@ops.example`;
  const password = "operator-password-1";
  await stack.runtime.deps.db.insert(superAdmins).values({ email, passwordHash: await hashPassword(password) });
  let res = await stack.request("POST", "/api/saas/auth/login", { body: { email, password } });
  let token: string = res.body.token;
  let secret: string | undefined;
  if (opts.totp) {
    const enrol = await stack.request("POST", "/api/saas/auth/totp/enroll", { token });
    secret = enrol.body.secret as string;
    res = await stack.request("POST", "/api/saas/auth/totp/confirm", { token, body: { code: currentTotp(secret) } });
    token = res.body.token;
  }
  return { email, password, token, secret };
}
