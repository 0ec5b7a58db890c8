import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import {
  CLUSTER_PREFIX,
  clusterKeys,
  keysFor,
  LocalObjectStore,
  listClusterBackups,
  openArchive,
  readArchiveHeader,
  rebuildCluster,
  runClusterBackup,
  S3ObjectStore,
} from "@proxpanel/backup";
import { alerts, tenants } from "@proxpanel/db";
import { and, eq, inArray, isNull, like } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, superAdminSession, type TestTenant } from "../../../tests/harness.ts";

let stack: Stack;
let dataDir: string;
let newDataDir: string;
let admin: postgres.Sql;
const newDb = `proxpanel_rebuild_${Date.now()}_${process.pid}`;
let newUrl: string;
const cluster: TestTenant[] = [];

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-cluster-"));
  newDataDir = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-rebuilt-"));
  stack = await startStack({ DATA_DIR: dataDir });
  admin = postgres(process.env.TEST_SERVER_URL as string, { max: 1, onnotice: () => {} });
  const url = new URL(process.env.TEST_SERVER_URL as string);
  url.pathname = `/${newDb}`;
  newUrl = url.toString();
});
afterAll(async () => {
  await stack.close();
  await admin.unsafe(`drop database if exists "${newDb}" with (force)`);
  await admin.end();
  await fs.rm(dataDir, { recursive: true, force: true });
  await fs.rm(newDataDir, { recursive: true, force: true });
});

/** Row counts of every table of one schema. */
async function counts(sql: postgres.Sql, schema: string): Promise<Record<string, number>> {
  const tables = await sql<{ t: string }[]>`select tablename::text as t from pg_tables where schemaname = ${schema}`;
  const out: Record<string, number> = {};
  for (const { t } of tables) {
    const [row] = await sql.unsafe<{ n: number }[]>(`select count(*)::int as n from "${schema}"."${t}"`);
    out[t] = row?.n ?? 0;
  }
  return out;
}

describe("cluster backup and rebuild of a lost host", () => {
  it("backs up public and three tenants, rebuilds them into an empty database, and the tenants log in", async () => {
    const { deps } = stack.runtime;
    for (let i = 0; i < 3; i++) {
      const t = await signupTenant(stack);
      cluster.push(t);
      for (let u = 0; u <= i; u++) {
        const res = await stack.request("POST", "/api/users", {
          host: t.host,
          token: t.token,
          body: { email: `staff${u}@t${i}.example`, password: "staff-password-1", name: `Staff ${u}` },
        });
        expect(res.status).toBe(201);
      }
    }
    const logo = path.join(dataDir, "uploads", `tenant_${cluster[0]?.id}`, "branding", "logo.png");
    await fs.mkdir(path.dirname(logo), { recursive: true });
    await fs.writeFile(logo, "logo bytes");

    const schemas = await deps.db
      .select({ id: tenants.id, schema: tenants.schemaName })
      .from(tenants)
      .where(
        inArray(
          tenants.id,
          cluster.map((t) => t.id),
        ),
      );
    const schemaOf = new Map(schemas.map((s) => [s.id, s.schema]));
    // Counted before the backups: a backup writes its own audit row after its snapshot.
    const before: Record<string, Record<string, number>> = {};
    for (const t of cluster) before[t.id] = await counts(deps.sql, schemaOf.get(t.id) as string);
    for (const t of cluster) {
      const res = await stack.request("POST", "/api/backups", { host: t.host, token: t.token });
      expect(res.status).toBe(201);
      expect(res.body.backup.status).toBe("uploaded");
    }

    const op = await superAdminSession(stack);
    const made = await stack.request("POST", "/api/saas/backups/cluster", { token: op.token });
    expect(made.status).toBe(201);
    expect(made.body.backup.uploaded).toBe(true);
    const listed = await stack.request("GET", "/api/saas/backups/cluster", { token: op.token });
    expect(listed.status).toBe(200);
    expect(listed.body.items[0].filename).toBe(made.body.backup.filename);

    // Sealed with the cluster key: header names no tenant, and a tenant's key does not open it.
    const [archive] = await listClusterBackups(deps.backup.store);
    if (!archive) throw new Error("no cluster archive");
    const header = await readArchiveHeader(await deps.backup.store.get(archive.key));
    expect(header.tenantId).toBe("cluster");
    const [reg] = await deps.db
      .select()
      .from(tenants)
      .where(inArray(tenants.id, [cluster[0]?.id as string]));
    const tenantKey = keysFor(deps.backup, reg as { id: string; secret: string });
    await expect(openArchive(await deps.backup.store.get(archive.key), tenantKey)).rejects.toThrow();
    await expect(
      openArchive(await deps.backup.store.get(archive.key), clusterKeys("LIC-SOME-OTHER-CLUSTER")),
    ).rejects.toThrow(/key id/);

    // The host is lost: a new, empty database; only the store and the license key survive.
    await admin.unsafe(`create database "${newDb}"`);
    const report = await rebuildCluster({
      url: newUrl,
      licenseKey: deps.backup.licenseKey,
      store: deps.backup.store,
      dataDir: newDataDir,
    });
    expect(report.clusterArchive).toBe(archive.filename);

    const rebuilt = postgres(newUrl, { max: 2, onnotice: () => {} });
    try {
      // The registry: exactly the rows the cluster archive holds.
      const publicNow = await counts(rebuilt, "public");
      for (const [table, rows] of Object.entries(report.registryRows)) {
        expect({ table, rows: publicNow[table] }).toEqual({ table, rows });
      }
      expect(report.registryRows.tenants).toBeGreaterThanOrEqual(3);
      // Each tenant: every table with the row count it had when backed up.
      for (const t of cluster) {
        const entry = report.tenants.find((r) => r.id === t.id);
        expect(entry?.error).toBeNull();
        expect(entry?.archive).toMatch(/^backup-/);
        expect(await counts(rebuilt, schemaOf.get(t.id) as string)).toEqual({
          ...before[t.id],
          __migrations: expect.any(Number),
        });
      }
    } finally {
      await rebuilt.end();
    }
    expect(
      await fs.readFile(path.join(newDataDir, "uploads", `tenant_${cluster[0]?.id}`, "branding", "logo.png"), "utf8"),
    ).toBe("logo bytes");

    // A new API instance on the rebuilt database: owners and staff log in, data is there. It
    // reaches the same object store (S3 in production; here the surviving local store directory).
    await fs.symlink(path.join(dataDir, "object-store"), path.join(newDataDir, "object-store"));
    const again = await startStack({ DATABASE_URL: newUrl, DATA_DIR: newDataDir });
    try {
      for (const [i, t] of cluster.entries()) {
        const login = await again.request("POST", "/api/auth/login", {
          host: t.host,
          body: { email: t.email, password: t.password },
        });
        expect(login.status).toBe(200);
        const users = await again.request("GET", "/api/users?limit=100", { host: t.host, token: login.body.token });
        expect(users.body.items.map((u: { email: string }) => u.email)).toContain(`staff${i}@t${i}.example`);
        const staff = await again.request("POST", "/api/auth/login", {
          host: t.host,
          body: { email: `staff0@t${i}.example`, password: "staff-password-1" },
        });
        expect(staff.status).toBe(200);
        // The tenant's archives are listed on the new host too.
        const backups = await again.request("GET", "/api/backups", { host: t.host, token: login.body.token });
        expect(backups.body.items).toHaveLength(1);
      }
      const op2 = await superAdminSession(again);
      expect((await again.request("GET", "/api/saas/backups/cluster", { token: op2.token })).body.items).toHaveLength(
        1,
      );
    } finally {
      await again.close();
    }
  });

  it("keeps a cluster archive in staging while the store is down, alerts, uploads it on the next run and keeps N", async () => {
    const { deps } = stack.runtime;
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as net.AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    const stagingDir = path.join(dataDir, "cluster-staging");
    const base = { db: deps.db, sql: deps.sql, licenseKey: deps.backup.licenseKey, stagingDir };
    const down = new S3ObjectStore({
      bucket: "b",
      client: { endPoint: "127.0.0.1", port, useSSL: false, accessKey: "k", secretKey: "s" },
    });
    const failing = () =>
      deps.db
        .select()
        .from(alerts)
        .where(
          and(eq(alerts.kind, "upload_failing"), isNull(alerts.tenantId), like(alerts.message, "Cluster backup %")),
        );
    await deps.db.delete(alerts).where(and(eq(alerts.kind, "upload_failing"), isNull(alerts.tenantId)));

    const first = await runClusterBackup({ ...base, store: down }, { now: new Date("2001-01-01T00:00:00Z") });
    expect(first.uploaded).toBe(false);
    expect(await fs.readdir(path.join(stagingDir, "cluster"))).toEqual([first.filename]);
    expect(await failing()).toHaveLength(1);

    const store = new LocalObjectStore(path.join(dataDir, "cluster-store"));
    const second = await runClusterBackup({ ...base, store }, { keep: 2, now: new Date("2001-01-02T00:00:00Z") });
    const third = await runClusterBackup({ ...base, store }, { keep: 2, now: new Date("2001-01-03T00:00:00Z") });
    expect(second.uploaded && third.uploaded).toBe(true);
    // The staged one went up with the second run; the third run pruned it (keep 2, oldest first out).
    expect(third.removed).toEqual([first.filename]);
    expect((await listClusterBackups(store)).map((b) => b.filename)).toEqual([third.filename, second.filename]);
    expect(await fs.readdir(path.join(stagingDir, "cluster"))).toEqual([]);
    expect(await store.list(CLUSTER_PREFIX)).toHaveLength(2);
    await deps.db.delete(alerts).where(and(eq(alerts.kind, "upload_failing"), isNull(alerts.tenantId)));
  });
});
