import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { main as backupCli } from "@proxpanel/backup/cli";
import { nasRoutes, tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStandalone } from "../apps/api/src/standalone.ts";
import { BASE, type Stack, signupTenant, startStack, TEST_SECRETS, uniqueSlug } from "./harness.ts";
import { ScratchDatabases } from "./scratch-databases.ts";

/**
 * Both directions end to end on real PostgreSQL: a standalone install and a SaaS cluster live in two
 * separate databases of this server, each with its own keys, and the operator's CLIs move a tenant
 * between them.
 */
const run = promisify(execFile);
let work: string;
const scratch = new ScratchDatabases("proxpanel_sa");
const stacks: Stack[] = [];

/** Keys of a standalone install: nothing in common with the cluster's TEST_SECRETS. */
const STANDALONE_SECRETS = {
  SAAS_TENANT_JWT_SECRET: "standalone-tenant-secret-0123456789abcdef0123",
  SAAS_SUPERADMIN_JWT_SECRET: "standalone-superadmin-secret-0123456789abcdef",
  DATA_ENCRYPTION_KEY: "standalone-data-key-0123456789abcdef0123456789",
  BACKUP_LICENSE_KEY: "standalone-license-0123456789abcdef",
};

const newDatabase = () => scratch.create();

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await backupCli(args, {
    out: (l) => out.push(l),
    err: (l) => out.push(l),
    env: { LOG_LEVEL: "silent", NODE_ENV: "test", ...env },
  });
  return { code, out };
}

async function login(stack: Stack, host: string, email: string, password: string): Promise<string> {
  const res = await stack.request("POST", "/api/auth/login", { host, body: { email, password } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.token;
}

/** A plan, three subscribers with PPPoE passwords and a NAS: rows in several tables and sealed values. */
async function fill(stack: Stack, host: string, token: string, prefix: string) {
  const api = (method: string, p: string, body?: unknown) => stack.request(method, p, { host, token, body });
  const plan = await api("POST", "/api/plans", { name: "Home 20M", downloadKbps: 20000, uploadKbps: 5000 });
  expect(plan.status).toBe(201);
  const ids: string[] = [];
  for (const n of [1, 2, 3]) {
    const sub = await api("POST", "/api/subscribers", {
      username: `${prefix}${n}`,
      password: `pppoe-${prefix}-${n}`,
      planId: plan.body.plan.id,
    });
    expect(sub.status).toBe(201);
    ids.push(sub.body.subscriber.id);
  }
  // A distinct address per direction: NAS routes are unique across a cluster.
  const nas = await api("POST", "/api/nas", { name: "Core", ipAddress: `198.51.100.${prefix === "sa" ? 121 : 122}` });
  expect(nas.status).toBe(201);
  return { subscriberIds: ids, nasId: nas.body.nas.id as string, nasSecret: nas.body.secret as string };
}

/** What an admin sees: the subscriber list, each PPPoE password revealed, the NAS secret. */
async function observe(stack: Stack, host: string, token: string, ids: string[], nasId: string) {
  const api = (method: string, p: string) => stack.request(method, p, { host, token });
  const list = await api("GET", "/api/subscribers?limit=100&sort=username");
  expect(list.status).toBe(200);
  const passwords: string[] = [];
  for (const id of ids) {
    const r = await api("POST", `/api/subscribers/${id}/reveal-password`);
    expect(r.status).toBe(200);
    passwords.push(r.body.password);
  }
  const nas = await api("POST", `/api/nas/${nasId}/reveal-secret`);
  expect(nas.status).toBe(200);
  return {
    usernames: list.body.items.map((s: { username: string }) => s.username).sort(),
    passwords,
    nasSecret: nas.body.secret as string,
  };
}

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-migration-"));
});
afterAll(async () => {
  for (const s of stacks) await s.close();
  await scratch.dropAll();
  await fs.rm(work, { recursive: true, force: true });
});

describe("standalone ↔ SaaS migration", () => {
  it("standalone → SaaS: archive from the install, import under a chosen slug, counts and secrets intact", async () => {
    const saUrl = await newDatabase();
    const saDir = path.join(work, "sa1");
    const saEnv = { DATABASE_URL: saUrl, DATA_DIR: saDir, ...STANDALONE_SECRETS };
    const sa = await startStack({ ...saEnv, PROXPANEL_MODE: "standalone", STANDALONE_TENANT_SLUG: "isp" });
    stacks.push(sa);
    const started = await startStandalone(sa.runtime.deps);
    const host = "panel.customer-isp.example";
    const saToken = await login(sa, host, sa.runtime.deps.config.STANDALONE_ADMIN_EMAIL, started.password ?? "");
    const data = await fill(sa, host, saToken, "sa");
    const before = await observe(sa, host, saToken, data.subscriberIds, data.nasId);

    const archive = path.join(work, "isp.proisp.bak");
    const exported = await cli(["export", "isp", "--archive", "--out", archive], saEnv);
    expect(exported.code, exported.out.join("\n")).toBe(0);
    expect(exported.out).toContain("table subscribers: 3 rows");
    // The archive is no plain text: neither a username nor a password can be read in it.
    const bytes = await fs.readFile(archive);
    expect(bytes.includes("pppoe-sa-1")).toBe(false);
    expect(bytes.includes("sa1")).toBe(false);

    const saas = await startStack({ DATA_DIR: path.join(work, "saas1") });
    stacks.push(saas);
    const slug = uniqueSlug("moved");
    const keys = `${archive}.keys`;
    const saasEnv = {
      DATABASE_URL: process.env.TEST_DATABASE_URL ?? "",
      DATA_DIR: path.join(work, "saas1"),
      BASE_DOMAIN: BASE,
      ...TEST_SECRETS,
      ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    };
    const keyArgs = ["--license-key-file", `${keys}/license-key`, "--tenant-secret-file", `${keys}/tenant-secret`];

    // Without the source's data key (or with the wrong license key) nothing is created.
    const wrong = await cli(["import", slug, archive, ...keyArgs], { ...saasEnv, PROXPANEL_SOURCE_DATA_KEY: "wrong" });
    expect(wrong.code).toBe(1);
    expect(wrong.out.join("\n")).toContain("does not open with the source's data key");
    const badLicense = path.join(work, "bad-license");
    await fs.writeFile(badLicense, "not-the-license");
    const refused = await cli(
      ["import", slug, archive, "--license-key-file", badLicense, "--tenant-secret-file", `${keys}/tenant-secret`],
      { ...saasEnv, PROXPANEL_SOURCE_DATA_KEY: STANDALONE_SECRETS.DATA_ENCRYPTION_KEY },
    );
    expect(refused.code).toBe(1);
    expect(refused.out.join("\n")).toMatch(/key/i);
    expect(await saas.runtime.deps.db.select().from(tenants).where(eq(tenants.slug, slug))).toEqual([]);
    expect((await saas.request("POST", "/api/auth/login", { host: `${slug}.${BASE}`, body: {} })).status).toBe(404);

    const imported = await cli(["import", slug, archive, ...keyArgs, "--data-key-file", `${keys}/data-key`], saasEnv);
    expect(imported.code, imported.out.join("\n")).toBe(0);
    expect(imported.out).toContain("table subscribers: archive 3, imported 3");
    expect(imported.out).toContain("table nas_devices: archive 1, imported 1");
    expect(imported.out).toContain("OK: every table matches the manifest");

    // The CLI announces the new tenant on the shared bus (Redis); with in-process state there is no
    // bus between the two processes and only the 5 s negative TTL would end the cached "unknown".
    if (!process.env.REDIS_URL) saas.runtime.deps.resolver.invalidateLocal({ hosts: [`${slug}.${BASE}`] });
    // The standalone admin signs in on the SaaS host of the new slug and sees the same data.
    const saasHost = `${slug}.${BASE}`;
    const token = await login(saas, saasHost, sa.runtime.deps.config.STANDALONE_ADMIN_EMAIL, started.password ?? "");
    expect(await observe(saas, saasHost, token, data.subscriberIds, data.nasId)).toEqual(before);
    const [route] = await saas.runtime.deps.db.select().from(nasRoutes).where(eq(nasRoutes.nasId, data.nasId));
    expect(route?.ipAddress).toBe("198.51.100.121");

    // The same install imported a second time would route one NAS to two tenants: refused, nothing left.
    const twice = uniqueSlug("twice");
    const again = await cli(["import", twice, archive, ...keyArgs, "--data-key-file", `${keys}/data-key`], saasEnv);
    expect(again.code).toBe(1);
    expect(again.out.join("\n")).toContain("already belongs to another tenant of this cluster");
    expect(await saas.runtime.deps.db.select().from(tenants).where(eq(tenants.slug, twice))).toEqual([]);
  }, 90_000);

  it("SaaS → standalone: SQL dump of one tenant, a new install loaded from it, log in, see the data", async () => {
    const saasDir = path.join(work, "saas2");
    const saas = await startStack({ DATA_DIR: saasDir });
    stacks.push(saas);
    const t = await signupTenant(saas);
    const data = await fill(saas, t.host, t.token, "cl");
    const before = await observe(saas, t.host, t.token, data.subscriberIds, data.nasId);

    // Into a folder that does not exist yet (the guide's `--out` path): made on the way.
    const dump = path.join(work, "not-yet", "there", `${t.slug}.sql`);
    const saasEnv = { DATABASE_URL: process.env.TEST_DATABASE_URL ?? "", DATA_DIR: saasDir, ...TEST_SECRETS };
    const exported = await cli(["export", t.slug, "--out", dump], saasEnv);
    expect(exported.code, exported.out.join("\n")).toBe(0);
    expect(exported.out).toContain("re-sealed 4 secrets for the destination");
    const text = await fs.readFile(dump, "utf8");
    expect(text).toContain("cl1");
    expect(text).not.toContain("pppoe-cl-1");
    expect(text).not.toContain(TEST_SECRETS.DATA_ENCRYPTION_KEY);
    expect(text).not.toContain(TEST_SECRETS.BACKUP_LICENSE_KEY);
    const envFile = Object.fromEntries(
      (await fs.readFile(`${dump}.env`, "utf8"))
        .split("\n")
        .filter((l) => l && !l.startsWith("#"))
        .map((l) => l.split("=", 2) as [string, string]),
    );
    expect(envFile).toMatchObject({ PROXPANEL_MODE: "standalone", STANDALONE_TENANT_SLUG: t.slug });
    expect((await fs.stat(`${dump}.env`)).mode & 0o077).toBe(0);
    // The uploads folder the procedure copies is there even for a tenant without uploads.
    expect((await fs.stat(`${dump}.uploads/tenant_${t.id}`)).isDirectory()).toBe(true);

    // The standalone host: a fresh database, public migrated, the dump loaded with psql.
    const saUrl = await newDatabase();
    await run("psql", ["-q", "-X", "-v", "ON_ERROR_STOP=1", "-f", dump, saUrl]);
    const sa = await startStack({
      ...STANDALONE_SECRETS,
      ...envFile,
      DATABASE_URL: saUrl,
      DATA_DIR: path.join(work, "sa2"),
    });
    stacks.push(sa);
    expect(await startStandalone(sa.runtime.deps)).toEqual({ slug: t.slug, created: false });
    const host = "10.20.30.40";
    const token = await login(sa, host, t.email, t.password);
    expect(await observe(sa, host, token, data.subscriberIds, data.nasId)).toEqual(before);
    // A new subscriber gets a fresh id and sequence values carried over keep audit ids unique.
    const audit = await sa.request("GET", "/api/audit-logs?limit=5", { host, token });
    expect(audit.status).toBe(200);
    const extra = await sa.request("POST", "/api/subscribers", {
      host,
      token,
      body: { username: "cl-new", password: "pppoe-new-1", planId: (await firstPlan(sa, host, token)) ?? "" },
    });
    expect(extra.status).toBe(201);
    // Indexes built after the data are all there, like the source's.
    const indexes = async (db: typeof sa.runtime.deps.sql) =>
      (await db`select indexname from pg_indexes where schemaname = ${`tenant_${t.slug}`} order by 1`).map(
        (r) => r.indexname,
      );
    const loaded = await indexes(sa.runtime.deps.sql);
    expect(loaded.length).toBeGreaterThan(30);
    expect(loaded).toEqual(await indexes(saas.runtime.deps.sql));
  }, 90_000);
});

async function firstPlan(stack: Stack, host: string, token: string): Promise<string | undefined> {
  const res = await stack.request("GET", "/api/plans", { host, token });
  return res.body.items[0]?.id;
}
