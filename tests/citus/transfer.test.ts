// Runs only in the citus project: the operator's commands that copy tenants out of and into a
// database, with tenants placed on Citus workers. `cluster:backup backup` then `rebuild` into an
// empty Citus database; `tenant:export --archive` on plain PostgreSQL then `tenant:import` into
// Citus; `tenant:export` (SQL) of a Citus tenant loaded into plain PostgreSQL with psql.
import { execFile } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { main as backupCli } from "@proxpanel/backup/cli";
import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BASE, type Stack, signupTenant, startStack, TEST_SECRETS, type TestTenant, uniqueSlug } from "../harness.ts";
import { ScratchDatabases } from "../scratch-databases.ts";

const run = promisify(execFile);
let work: string;
let citusDir: string;
let citus: Stack;
let tenant: TestTenant;
let schema: string;
let data: { subscriberIds: string[]; nasId: string };
const stacks: Stack[] = [];
const citusDatabases: string[] = [];
const plain = new ScratchDatabases("proxpanel_plain_xfer");

const citusUrl = () => process.env.TEST_DATABASE_URL ?? "";
const redis = process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {};

/** A throw-away database on every node of the local cluster, wired as a cluster of its own. */
async function newCitusDatabase(): Promise<string> {
  const name = `proxpanel_citus_xfer_${Date.now()}_${process.pid}_${citusDatabases.length}`;
  citusDatabases.push(name);
  const { stdout } = await run("bash", ["infra/citus/cluster.sh", "database", name]);
  return stdout.trim().split("\n").at(-1) ?? "";
}

const newPlainDatabase = () => plain.create();

async function cli(args: string[], env: Record<string, string>): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await backupCli(args, {
    out: (l) => out.push(l),
    err: (l) => out.push(l),
    env: { LOG_LEVEL: "silent", NODE_ENV: "test", BASE_DOMAIN: BASE, ...TEST_SECRETS, ...redis, ...env },
  });
  return { code, out };
}

/**
 * `npm run cluster:backup -- <args>` as the operator runs it: its own process, the install's
 * environment. Its exit code and stdout (a failing exit is an answer here, not an error).
 */
async function clusterBackupCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", "apps/worker/src/cluster-backup-cli.ts", ...args],
      {
        env: { ...process.env, LOG_LEVEL: "silent", NODE_ENV: "test", BASE_DOMAIN: BASE, ...TEST_SECRETS, ...env },
        maxBuffer: 1 << 20,
      },
    );
    return { code: 0, stdout };
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    if (typeof e.code !== "number") throw err;
    return { code: e.code, stdout: e.stdout ?? "" };
  }
}

/** Row counts of every table of one schema. */
async function counts(sql: postgres.Sql, s: string): Promise<Record<string, number>> {
  const tables = await sql<{ t: string }[]>`select tablename::text as t from pg_tables where schemaname = ${s}`;
  const out: Record<string, number> = {};
  for (const { t } of tables) {
    const [row] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from "${s}"."${t}"`);
    out[t] = row?.n ?? 0;
  }
  return out;
}

/** The nodes holding a schema's tables, with whether each is a worker: one worker for a distributed schema. */
async function nodesOf(sql: postgres.Sql, s: string): Promise<{ port: number; worker: boolean }[]> {
  return sql<{ port: number; worker: boolean }[]>`
    select distinct sh.nodeport as port, n.groupid <> 0 as worker
      from citus_schemas c
      join citus_shards sh on sh.colocation_id = c.colocation_id
      join pg_dist_node n on n.nodename = sh.nodename and n.nodeport = sh.nodeport
     where c.schema_name = ${s}::regnamespace`;
}

async function schemaOf(stack: Stack, id: string): Promise<string> {
  const [row] = await stack.runtime.deps.db
    .select({ schema: tenants.schemaName })
    .from(tenants)
    .where(eq(tenants.id, id));
  if (!row) throw new Error(`no tenant ${id}`);
  return row.schema;
}

/** A plan, three subscribers with PPPoE passwords and a NAS: rows in several tables and sealed values. */
async function fill(stack: Stack, t: TestTenant, prefix: string, nasIp: string) {
  const api = (method: string, p: string, body?: unknown) =>
    stack.request(method, p, { host: t.host, token: t.token, body });
  const plan = await api("POST", "/api/plans", { name: "Home 20M", downloadKbps: 20000, uploadKbps: 5000 });
  expect(plan.status).toBe(201);
  const subscriberIds: string[] = [];
  for (const n of [1, 2, 3]) {
    const sub = await api("POST", "/api/subscribers", {
      username: `${prefix}${n}`,
      password: `pppoe-${prefix}-${n}`,
      planId: plan.body.plan.id,
    });
    expect(sub.status).toBe(201);
    subscriberIds.push(sub.body.subscriber.id);
  }
  const nas = await api("POST", "/api/nas", { name: "Core", ipAddress: nasIp });
  expect(nas.status).toBe(201);
  return { subscriberIds, nasId: nas.body.nas.id as string };
}

/** What an admin sees: usernames and each PPPoE password revealed (sealed under the tenant's data key). */
async function observe(stack: Stack, host: string, token: string, ids: string[]) {
  const list = await stack.request("GET", "/api/subscribers?limit=100&sort=username", { host, token });
  expect(list.status).toBe(200);
  const passwords: string[] = [];
  for (const id of ids) {
    const r = await stack.request("POST", `/api/subscribers/${id}/reveal-password`, { host, token });
    expect(r.status).toBe(200);
    passwords.push(r.body.password);
  }
  return { usernames: list.body.items.map((s: { username: string }) => s.username).sort(), passwords };
}

async function login(stack: Stack, host: string, email: string, password: string): Promise<string> {
  const res = await stack.request("POST", "/api/auth/login", { host, body: { email, password } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.token;
}

beforeAll(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-citus-xfer-"));
  citusDir = path.join(work, "citus");
  citus = await startStack({ DATA_DIR: citusDir });
  stacks.push(citus);
  tenant = await signupTenant(citus);
  data = await fill(citus, tenant, "cz", "198.51.100.131");
  schema = await schemaOf(citus, tenant.id);
}, 180_000);

afterAll(async () => {
  for (const s of stacks) await s.close();
  for (const name of citusDatabases) await run("bash", ["infra/citus/cluster.sh", "drop-database", name]);
  await plain.dropAll();
  await fs.rm(work, { recursive: true, force: true });
});

describe("cluster backup and tenant transfer with tenants on Citus workers", () => {
  it("cluster:backup, then rebuild into an empty Citus database: the tenant is back on a worker, counts equal, its owner logs in", {
    timeout: 300_000,
  }, async () => {
    const { sql } = citus.runtime.deps;
    const [placed] = await nodesOf(sql, schema);
    expect(placed?.worker).toBe(true);
    const before = await counts(sql, schema);
    const backup = await citus.request("POST", "/api/backups", { host: tenant.host, token: tenant.token });
    expect(backup.status, JSON.stringify(backup.body)).toBe(201);
    expect(backup.body.backup.status).toBe("uploaded");

    const made = await clusterBackupCli(["backup"], { DATABASE_URL: citusUrl(), DATA_DIR: citusDir });
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout.trim())).toMatchObject({ uploaded: true });

    // The host is lost: a new, empty Citus database; only the store and the license key survive.
    const rebuiltUrl = await newCitusDatabase();
    const rebuiltDir = path.join(work, "rebuilt");
    await fs.mkdir(rebuiltDir);
    await fs.symlink(path.join(citusDir, "object-store"), path.join(rebuiltDir, "object-store"));
    const rebuilt = await clusterBackupCli(["rebuild"], { DATABASE_URL: rebuiltUrl, DATA_DIR: rebuiltDir });
    const report = JSON.parse(rebuilt.stdout) as {
      tenants: { id: string; archive: string | null; error: string | null }[];
    };
    // Other suites' tenants share the registry but have no archive in this store: reported, not
    // made, and the command exits 1 for them (an operator must see a tenant that could not come back).
    expect(report.tenants.filter((t) => t.error)).toEqual([]);
    expect(rebuilt.code).toBe(report.tenants.some((t) => !t.archive) ? 1 : 0);
    expect(report.tenants.find((t) => t.id === tenant.id)).toMatchObject({
      archive: expect.stringMatching(/^backup-/),
      error: null,
    });

    const again = await startStack({ DATABASE_URL: rebuiltUrl, DATA_DIR: rebuiltDir });
    stacks.push(again);
    const { sql: rebuiltSql } = again.runtime.deps;
    const [there] = await nodesOf(rebuiltSql, schema);
    expect(there?.worker, "restored as a distributed schema on a worker").toBe(true);
    expect(await counts(rebuiltSql, schema)).toEqual({ ...before, __migrations: expect.any(Number) });
    const token = await login(again, tenant.host, tenant.email, tenant.password);
    const seen = await observe(again, tenant.host, token, data.subscriberIds);
    expect(seen).toEqual(await observe(citus, tenant.host, tenant.token, data.subscriberIds));
  });

  it("tenant:export --archive on plain PostgreSQL, tenant:import into Citus: a distributed schema, counts and secrets intact", {
    timeout: 300_000,
  }, async () => {
    const plainUrl = process.env.TEST_PLAIN_DATABASE_URL ?? "";
    const plainDir = path.join(work, "plain");
    const plain = await startStack({ DATABASE_URL: plainUrl, DATA_DIR: plainDir });
    stacks.push(plain);
    const source = await signupTenant(plain);
    const sourceData = await fill(plain, source, "pl", "198.51.100.132");
    const before = await observe(plain, source.host, source.token, sourceData.subscriberIds);

    const archive = path.join(work, `${source.slug}.proisp.bak`);
    const exported = await cli(["export", source.slug, "--archive", "--out", archive], {
      DATABASE_URL: plainUrl,
      DATA_DIR: plainDir,
    });
    expect(exported.code, exported.out.join("\n")).toBe(0);

    const slug = uniqueSlug("intocitus");
    const keys = `${archive}.keys`;
    const imported = await cli(
      [
        "import",
        slug,
        archive,
        "--license-key-file",
        `${keys}/license-key`,
        "--tenant-secret-file",
        `${keys}/tenant-secret`,
        "--data-key-file",
        `${keys}/data-key`,
      ],
      { DATABASE_URL: citusUrl(), DATA_DIR: citusDir },
    );
    expect(imported.code, imported.out.join("\n")).toBe(0);
    expect(imported.out).toContain("table subscribers: archive 3, imported 3");
    expect(imported.out).toContain("OK: every table matches the manifest");

    const [row] = await citus.runtime.deps.db.select().from(tenants).where(eq(tenants.slug, slug));
    if (!row) throw new Error("imported tenant missing");
    const [placed] = await nodesOf(citus.runtime.deps.sql, row.schemaName);
    expect(placed?.worker, "imported as a distributed schema on a worker").toBe(true);
    if (!process.env.REDIS_URL) citus.runtime.deps.resolver.invalidateLocal({ hosts: [`${slug}.${BASE}`] });
    const token = await login(citus, `${slug}.${BASE}`, source.email, source.password);
    expect(await observe(citus, `${slug}.${BASE}`, token, sourceData.subscriberIds)).toEqual(before);
  });

  it("tenant:export (SQL) of a tenant on a Citus worker loads into plain PostgreSQL with psql, every row there", {
    timeout: 300_000,
  }, async () => {
    const dump = path.join(work, `${tenant.slug}.sql`);
    const exported = await cli(["export", tenant.slug, "--out", dump], {
      DATABASE_URL: citusUrl(),
      DATA_DIR: citusDir,
    });
    expect(exported.code, exported.out.join("\n")).toBe(0);
    const target = await newPlainDatabase();
    await run("psql", ["-q", "-X", "-v", "ON_ERROR_STOP=1", "-f", dump, target]);
    const loaded = postgres(target, { max: 1, onnotice: () => {} });
    try {
      const source = await counts(citus.runtime.deps.sql, schema);
      for (const line of exported.out.filter((l) => l.startsWith("table "))) {
        const [, name, rows] = /^table (\S+): (\d+) rows$/.exec(line) ?? [];
        expect({ name, rows: Number(rows) }).toEqual({ name, rows: source[name ?? ""] });
      }
      expect(await counts(loaded, schema)).toEqual(source);
    } finally {
      await loaded.end();
    }
  });
});
