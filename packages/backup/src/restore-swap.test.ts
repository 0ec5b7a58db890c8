import { spawn } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { connect, type Database, latestTenantVersion, migrateTenantSchema, TenantClientCache } from "@proxpanel/db";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { q } from "./contents.ts";
import { writeBackup } from "./dump.ts";
import { restoreBackup } from "./restore.ts";
import { KEYS_A } from "./testing.ts";

let database: Database;
let url: string;
let dir: string;
let archive: string;
const run = Date.now().toString(36);
const live = `tenant_rsw_${run}`;
const schemas = [live, `${live}_fresh`, `${live}_par`, `${live}_alone`, `${live}_text`, `${live}_v0`, `${live}_fwd`];

async function rows(schema: string, table: string): Promise<string[]> {
  const [row] = await database.sql.unsafe<{ rows: string[] | null }[]>(
    `select array_agg(t::text order by t::text) as rows from ${q(schema)}.${q(table)} t`,
  );
  return row?.rows ?? [];
}

/** Row count and a digest of every row in a fixed order: the big table compared without shipping it. */
async function digest(schema: string, table: string): Promise<string> {
  const [row] = await database.sql.unsafe<{ d: string }[]>(
    `select count(*) || ':' || md5(string_agg(t::text, E'\\n' order by t::text)) as d from ${q(schema)}.${q(table)} t`,
  );
  return row?.d ?? "";
}

const stagingLeft = async () =>
  (
    await database.sql<{ name: string }[]>`
      select nspname::text as name from pg_namespace where nspname like ${`${live}%`} and nspname <> ${live}
        and nspname not in ${database.sql(schemas)}`
  ).map((r) => r.name);

beforeAll(async () => {
  const u = process.env.TEST_DATABASE_URL;
  if (!u) throw new Error("run through vitest");
  url = u;
  database = connect(url, { max: 6 });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-restore-swap-"));
  await database.db.transaction((tx) => migrateTenantSchema(tx, live, { create: true }));
  // audit_logs is made large enough (several MB) to be dealt over two COPY streams.
  await database.sql.unsafe(`
    insert into ${q(live)}.users (email, name, password_hash, session_version)
      select 'u' || i || '@x.test', 'User ' || i, 'h', 3 from generate_series(1, 50) i;
    insert into ${q(live)}.audit_logs (actor, action, entity_type, entity_id, details)
      select 'system', E'line\\nbreak ' || i, 'entity', i::text, jsonb_build_object('i', i, 'pad', repeat('x', 200))
      from generate_series(1, 30000) i;`);
  archive = path.join(dir, "a.proisp.bak");
  await writeBackup({ sql: database.sql, schemaName: live, keys: KEYS_A }, createWriteStream(archive));
});

afterAll(async () => {
  for (const s of [...schemas, ...(await stagingLeft())])
    await database.sql.unsafe(`drop schema if exists ${q(s)} cascade`);
  await database.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe("restore through a staging schema swapped into place", () => {
  it("serves the restored rows to another instance's warm prepared statements right after the swap", async () => {
    const before = { users: await rows(live, "users"), audit: await digest(live, "audit_logs") };
    // A second "API instance": its own pool, prepared statements on, schema-qualified Drizzle queries.
    const api = connect(url, { max: 3 });
    try {
      const { db, t } = new TenantClientCache(api.sql).get(live);
      const names = () => db.select({ name: t.users.name }).from(t.users).orderBy(asc(t.users.name));
      const byEmail = (email: string) =>
        db.select({ name: t.users.name }).from(t.users).where(eq(t.users.email, email));
      await api.sql.unsafe(`update ${q(live)}.users set name = 'changed after backup'`);
      // Warm every pooled connection with the same prepared statements.
      for (let i = 0; i < 3; i++) await Promise.all([names(), names(), names(), byEmail("u1@x.test")]);
      expect((await byEmail("u1@x.test"))[0]?.name).toBe("changed after backup");

      await restoreBackup({
        db: database.db,
        keys: KEYS_A,
        open: () => createReadStream(archive),
        targetSchema: live,
      });

      // Same statements, same connections: answered from the new tables, not an error or stale rows.
      for (let i = 0; i < 3; i++) {
        const [all, one] = await Promise.all([names(), byEmail("u1@x.test"), names()]);
        expect(all).toHaveLength(50);
        expect(one[0]?.name).toBe("User 1");
      }
      // Writes through the warm pool land in the new tables; the sequence continues past the archive.
      const inserted = await db
        .insert(t.auditLogs)
        .values({ actor: "t", action: "after", entityType: "e" })
        .returning({ id: t.auditLogs.id });
      expect(Number(inserted[0]?.id)).toBe(30001);
      await api.sql.unsafe(`delete from ${q(live)}.audit_logs where id = 30001`);
    } finally {
      await api.close();
    }
    expect(await rows(live, "users")).toEqual(before.users);
    expect(await digest(live, "audit_logs")).toEqual(before.audit);
    expect(await stagingLeft()).toEqual([]);
  });

  it("finishes the swap behind a reader that holds the old tables longer than the lock timeout", async () => {
    await database.sql.unsafe(`update ${q(live)}.users set name = 'before the held restore'`);
    const reader = connect(url, { max: 1 });
    let release: () => void = () => {};
    let held: () => void = () => {};
    const holding = new Promise<void>((r) => {
      held = r;
    });
    // A long read of the live users table: the swap's drop must time out at least once behind it.
    const tx = reader.sql.begin(async (t) => {
      await t.unsafe(`lock table ${q(live)}.users in access share mode`);
      held();
      await new Promise<void>((r) => {
        release = r;
      });
    });
    try {
      await holding;
      let released = false;
      // Longer than the swap's 3 s lock timeout, so at least one attempt gives up and retries.
      const timer = setTimeout(() => {
        released = true;
        release();
      }, 4_000);
      await restoreBackup({ db: database.db, keys: KEYS_A, open: () => createReadStream(archive), targetSchema: live });
      clearTimeout(timer);
      // The swap could only commit once the reader let go.
      expect(released).toBe(true);
      expect((await rows(live, "users")).some((r) => r.includes("before the held restore"))).toBe(false);
    } finally {
      release();
      await tx;
      await reader.close();
    }
  });

  it("keeps the owner, every index, key and foreign key, and the migration tracking", async () => {
    const shape = async (schema: string) =>
      database.sql<{ kind: string; name: string; def: string; owner: string }[]>`
        select 'constraint' as kind, conname::text as name,
          pg_get_constraintdef(c.oid) as def, '' as owner
        from pg_constraint c where connamespace = ${schema}::regnamespace
        union all
        select 'index', c.relname::text, replace(pg_get_indexdef(i.indexrelid), ${schema}, 'S'), ''
        from pg_index i join pg_class c on c.oid = i.indexrelid where c.relnamespace = ${schema}::regnamespace
        union all
        select 'relation', relname::text, relkind::text, pg_get_userbyid(relowner)::text
        from pg_class where relnamespace = ${schema}::regnamespace
        union all
        select 'schema', '', '', pg_get_userbyid(nspowner)::text from pg_namespace where nspname = ${schema}
        order by 1, 2`;
    const fresh = `${live}_fresh`;
    await database.db.transaction((tx) => migrateTenantSchema(tx, fresh, { create: true }));
    const expected = (await shape(fresh)).map((r) => ({ ...r, def: r.def.replaceAll(fresh, "S") }));
    await database.sql.unsafe(`drop schema ${q(fresh)} cascade`);
    const restored = (await shape(live)).map((r) => ({ ...r, def: r.def.replaceAll(live, "S") }));
    expect(restored.filter((r) => r.kind === "constraint" && r.def.startsWith("FOREIGN KEY")).length).toBeGreaterThan(
      0,
    );
    expect(restored).toEqual(expected);
    const tracked = await database.sql.unsafe(`select id from ${q(live)}."__migrations"`);
    expect(tracked.length).toBeGreaterThan(0);
  });

  it("loads the same rows with parallel index builds as on one connection alone, from binary and text archives", async () => {
    const [parallel3, alone, fromText] = [`${live}_par`, `${live}_alone`, `${live}_text`];
    // An archive as written before table data moved to binary COPY: it must still restore.
    const textArchive = path.join(dir, "text.proisp.bak");
    await writeBackup(
      { sql: database.sql, schemaName: live, keys: KEYS_A, copyFormat: "text" },
      createWriteStream(textArchive),
    );
    // parallel 1: a single connection copies, then builds every index and key itself.
    for (const [target, file, parallel] of [
      [parallel3, archive, 3],
      [alone, archive, 1],
      [fromText, textArchive, 3],
    ] as const) {
      await restoreBackup({
        db: database.db,
        keys: KEYS_A,
        open: () => createReadStream(file),
        targetSchema: target,
        parallel,
      });
    }
    const audit = await digest(parallel3, "audit_logs");
    expect(audit).toMatch(/^30000:[0-9a-f]{32}$/);
    expect(audit).toEqual(await digest(alone, "audit_logs"));
    expect(audit).toEqual(await digest(fromText, "audit_logs"));
    expect(await rows(parallel3, "users")).toEqual(await rows(alone, "users"));
    expect(await rows(fromText, "users")).toEqual(await rows(alone, "users"));
  });

  it("migrates an archive of an older schema version forward in the staging schema before the swap", async () => {
    const [older, target] = [`${live}_v0`, `${live}_fwd`];
    const version = latestTenantVersion() - 1;
    await database.db.transaction((tx) => migrateTenantSchema(tx, older, { create: true, upTo: version }));
    await database.sql.unsafe(
      `insert into ${q(older)}.users (email, name, password_hash) values ('old@x.test', 'Old', 'h')`,
    );
    const file = path.join(dir, "older.proisp.bak");
    const { header } = await writeBackup(
      { sql: database.sql, schemaName: older, keys: KEYS_A },
      createWriteStream(file),
    );
    expect(header.schemaVersion).toBe(version);
    // The target exists at the latest version with other rows: the swap replaces it whole.
    await database.db.transaction((tx) => migrateTenantSchema(tx, target, { create: true }));
    const summary = await restoreBackup({
      db: database.db,
      keys: KEYS_A,
      open: () => createReadStream(file),
      targetSchema: target,
    });
    expect(summary.schemaVersion).toBe(latestTenantVersion());
    expect(await rows(target, "users")).toEqual(await rows(older, "users"));
    const tracked = await database.sql.unsafe<{ version: number }[]>(
      `select version from ${q(target)}."__migrations" order by version`,
    );
    expect(tracked.map((r) => r.version)).toEqual(Array.from({ length: latestTenantVersion() }, (_, i) => i + 1));
    // A table only the newest migration creates is there and usable.
    await database.sql.unsafe(`insert into ${q(target)}.auth_logs (username, result) values ('u', 'accept')`);
    expect(await stagingLeft()).toEqual([]);
  });

  it("leaves the old data intact when the restoring process is killed mid-load, and the next restore drops its staging schema", async () => {
    await database.sql.unsafe(`update ${q(live)}.users set name = 'before the kill'`);
    const before = await rows(live, "users");
    // Node itself, not `npx tsx`: SIGKILL to npx left its grandchild (the real restore) running,
    // holding its lock until it finished, which on a loaded Citus cluster outlasted the test.
    const child = spawn(
      process.execPath,
      ["--import", "tsx", fileURLToPath(new URL("./restore-child.ts", import.meta.url)), url, live, archive],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let out = "";
    const killed = await new Promise<boolean>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.includes("LOADING audit_logs")) resolve(child.kill("SIGKILL"));
      });
      child.on("exit", () => resolve(false));
      child.on("error", reject);
    });
    await new Promise((r) => (child.exitCode === null && child.signalCode === null ? child.on("exit", r) : r(null)));
    expect(killed).toBe(true);
    expect(out).not.toContain("DONE");
    expect(await rows(live, "users")).toEqual(before);
    // The dead process's staging schema is still there until its connections are gone and the next
    // restore starts.
    await expect.poll(stagingLeft, { timeout: 10_000 }).toHaveLength(1);
    // Its lock goes when the server notices the dead connections; only then is it an orphan.
    const [orphan] = await stagingLeft();
    const probe = await database.sql.reserve();
    try {
      const key = `proxpanel:restore:${orphan}`;
      await expect
        .poll(async () => (await probe`select pg_try_advisory_lock(hashtext(${key})) as ok`)[0]?.ok, {
          timeout: 10_000,
        })
        .toBe(true);
      await probe`select pg_advisory_unlock(hashtext(${key}))`;
    } finally {
      probe.release();
    }
    await restoreBackup({
      db: database.db,
      keys: KEYS_A,
      open: () => createReadStream(archive),
      targetSchema: live,
    });
    expect(await stagingLeft()).toEqual([]);
    expect((await rows(live, "users")).every((r) => !r.includes("before the kill"))).toBe(true);
  });
});
