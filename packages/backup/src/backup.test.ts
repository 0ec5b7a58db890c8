import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { connect, type Database, latestTenantVersion, migrateTenantSchema, tenantTableNames } from "@proxpanel/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "./cli.ts";
import { PIECE_BYTES } from "./contents.ts";
import { writeBackup } from "./dump.ts";
import { restoreBackup } from "./restore.ts";
import { KEYS_A, KEYS_B } from "./testing.ts";

let database: Database;
let dir: string;
const run = Date.now().toString(36);
const source = `tenant_bk_${run}`;
const scratch = `tenant_bk_${run}_dry`;
const schemas = [source, scratch];

async function snapshot(schema: string): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of ["permission_groups", "users", "system_preferences", "audit_logs"]) {
    const [row] = await database.sql.unsafe<{ rows: string[] | null }[]>(
      `select array_agg(t::text order by t::text) as rows from "${schema}"."${table}" t`,
    );
    out[table] = row?.rows ?? [];
  }
  return out;
}

async function readTree(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  for (const e of entries) {
    if (!e.isFile()) continue;
    const file = path.join(e.parentPath, e.name);
    out[path.relative(root, file)] = (await fs.readFile(file)).toString("base64");
  }
  return out;
}

async function backupTo(file: string, uploadsDir?: string) {
  const opts = { sql: database.sql, schemaName: source, keys: KEYS_A, ...(uploadsDir ? { uploadsDir } : {}) };
  return writeBackup(opts, createWriteStream(file));
}

beforeAll(async () => {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("run through vitest");
  database = connect(url, { max: 4 });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-backup-"));
  await database.db.transaction((tx) => migrateTenantSchema(tx, source, { create: true }));
  const s = `"${source}"`;
  // Values chosen to stress COPY text escaping: tabs, newlines, backslashes, quotes, NULLs, unicode.
  await database.sql.unsafe(`
    insert into ${s}.permission_groups (id, name, permissions, is_system) values
      ('00000000-0000-4000-8000-000000000001', 'Owners', '{users.view,users.edit,"odd, name"}', true),
      ('00000000-0000-4000-8000-000000000002', E'Tab\\there\\nnewline', '{}', false);
    insert into ${s}.users (email, name, password_hash, permission_group_id, last_login_at) values
      ('a@x.test', E'Back\\\\slash "quoted"', 'h1', '00000000-0000-4000-8000-000000000001', now()),
      ('b@x.test', 'Zoë ☃ 名前', 'h2', '00000000-0000-4000-8000-000000000002', null),
      ('c@x.test', '', 'h3', null, null);
    insert into ${s}.system_preferences (key, value) values
      ('branding', '{"name":"Acme\\nISP","colors":["#fff",null],"n":1.5}'), ('timezone', '"Asia/Beirut"');
    insert into ${s}.audit_logs (actor, action, entity_type, entity_id, details)
      select 'system', 'action ' || i, 'entity', i::text, jsonb_build_object('i', i, 'pad', repeat('x', 100))
      from generate_series(1, 12000) i;
  `);
  const uploads = path.join(dir, "uploads");
  await fs.mkdir(path.join(uploads, "pdf", "invoices"), { recursive: true });
  await fs.writeFile(path.join(uploads, "logo.png"), randomBytes(200_000));
  await fs.writeFile(path.join(uploads, "pdf", "invoices", "2025-01.pdf"), "%PDF-1.7 invoice");
  await fs.writeFile(path.join(uploads, "empty.txt"), "");
  // A link out of the directory must not be followed into the archive.
  await fs.symlink("/etc/hostname", path.join(uploads, "link-out"));
});

afterAll(async () => {
  for (const s of schemas) await database.sql.unsafe(`drop schema if exists "${s}" cascade`);
  await database.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe("tenant backup and restore", () => {
  let archive: string;
  let before: Record<string, string[]>;

  it("backs up every table of one schema with a manifest, and the uploads", async () => {
    archive = path.join(dir, "a.proisp.bak");
    before = await snapshot(source);
    const { manifest, header, bytes } = await backupTo(archive, path.join(dir, "uploads"));
    expect(bytes).toBe((await fs.stat(archive)).size);
    expect(header.schemaVersion).toBe(latestTenantVersion());
    expect(manifest.tables.map((t) => t.name).sort()).toEqual(tenantTableNames());
    const rows = Object.fromEntries(manifest.tables.map((t) => [t.name, t.rows]));
    // Tables this fixture fills; every other tenant table is present and empty.
    const filled = { audit_logs: 12000, permission_groups: 2, system_preferences: 2, users: 3 };
    expect(rows).toEqual({ ...Object.fromEntries(tenantTableNames().map((n) => [n, 0])), ...filled });
    expect(manifest.tables.find((t) => t.name === "audit_logs")?.bytes).toBeGreaterThan(PIECE_BYTES);
    // Invoice numbers come from the document_counters table (gapless), so no sequence of theirs.
    expect(manifest.sequences.map((s) => s.name)).toEqual(
      expect.arrayContaining(["audit_logs_id_seq", "radacct_id_seq", "transactions_id_seq"]),
    );
    expect(manifest.uploads.map((u) => u.path)).toEqual(["empty.txt", "logo.png", "pdf/invoices/2025-01.pdf"]);
    // Parents before children: users reference permission_groups.
    const order = manifest.tables.map((t) => t.name);
    expect(order.indexOf("permission_groups")).toBeLessThan(order.indexOf("users"));
  });

  it("restores into a scratch schema (dry run) with identical rows, sequences and uploads", async () => {
    const target = path.join(dir, "restored-uploads");
    const summary = await restoreBackup({
      db: database.db,
      keys: KEYS_A,
      open: () => createReadStream(archive),
      targetSchema: scratch,
      uploadsDir: target,
    });
    expect(summary.schemaVersion).toBe(latestTenantVersion());
    expect(await snapshot(scratch)).toEqual(before);
    const [next] = await database.sql.unsafe<{ id: string }[]>(
      `insert into "${scratch}".audit_logs (actor, action, entity_type) values ('t', 't', 't') returning id::text`,
    );
    expect(Number(next?.id)).toBe(12001);
    const tracked = await database.sql.unsafe(`select id from "${scratch}"."__migrations"`);
    expect(tracked.length).toBe(latestTenantVersion());
    const original = await readTree(path.join(dir, "uploads"));
    delete original["link-out"];
    expect(await readTree(target)).toEqual(original);
    // The source schema was not touched by a restore elsewhere.
    expect(await snapshot(source)).toEqual(before);
  });

  it("restores the live schema and uploads to the backup's state", async () => {
    await database.sql.unsafe(`delete from "${source}".audit_logs where id % 2 = 0`);
    await database.sql.unsafe(`update "${source}".users set name = 'changed'`);
    await fs.writeFile(path.join(dir, "uploads", "added-later.txt"), "later");
    const uploads = path.join(dir, "uploads");
    await restoreBackup({
      db: database.db,
      keys: KEYS_A,
      open: () => createReadStream(archive),
      targetSchema: source,
      uploadsDir: uploads,
    });
    expect(await snapshot(source)).toEqual(before);
    expect(Object.keys(await readTree(uploads)).sort()).toEqual(["empty.txt", "logo.png", "pdf/invoices/2025-01.pdf"]);
  });

  it("changes nothing when the archive fails verification", async () => {
    await database.sql.unsafe(`update "${source}".users set name = 'after-backup'`);
    const changed = await snapshot(source);
    const tampered = path.join(dir, "tampered.proisp.bak");
    const bytes = await fs.readFile(archive);
    bytes[bytes.length - 100] = (bytes[bytes.length - 100] ?? 0) ^ 0xff;
    await fs.writeFile(tampered, bytes);
    const uploads = path.join(dir, "uploads");
    const files = await readTree(uploads);
    await expect(
      restoreBackup({
        db: database.db,
        keys: KEYS_A,
        open: () => createReadStream(tampered),
        targetSchema: source,
        uploadsDir: uploads,
      }),
    ).rejects.toThrow(/failed authentication/);
    await expect(
      restoreBackup({ db: database.db, keys: KEYS_B, open: () => createReadStream(archive), targetSchema: source }),
    ).rejects.toThrow(/belongs to tenant/);
    expect(await snapshot(source)).toEqual(changed);
    expect(await readTree(uploads)).toEqual(files);
  });

  it("rolls everything back when the archive goes bad between verification and load", async () => {
    const changed = await snapshot(source);
    const good = await fs.readFile(archive);
    const bad = Buffer.from(good);
    bad[bad.length - 20] = (bad[bad.length - 20] ?? 0) ^ 0x01;
    let opens = 0;
    const uploads = path.join(dir, "uploads");
    const files = await readTree(uploads);
    await expect(
      restoreBackup({
        db: database.db,
        keys: KEYS_A,
        // First open (header) sees the real archive, the second (load) a damaged one: the staging
        // schema was already partly loaded when it fails, the live schema never touched.
        open: () => Readable.from([opens++ === 0 ? good : bad]),
        targetSchema: source,
        uploadsDir: uploads,
      }),
    ).rejects.toThrow(/failed authentication/);
    expect(opens).toBe(2);
    expect(await snapshot(source)).toEqual(changed);
    expect(await readTree(uploads)).toEqual(files);
    expect((await fs.readdir(dir)).filter((n) => n.includes(".restore-"))).toEqual([]);
  });

  it("one-pass mode (verifyFirst: false) rolls a damaged archive back and restores a good one", async () => {
    const changed = await snapshot(source);
    const good = await fs.readFile(archive);
    const bad = Buffer.from(good);
    bad[bad.length - 20] = (bad[bad.length - 20] ?? 0) ^ 0x01;
    const uploads = path.join(dir, "uploads");
    const files = await readTree(uploads);
    let opens = 0;
    await expect(
      restoreBackup({
        db: database.db,
        keys: KEYS_A,
        open: () => {
          opens++;
          return Readable.from([bad]);
        },
        targetSchema: source,
        uploadsDir: uploads,
        verifyFirst: false,
      }),
    ).rejects.toThrow(/failed authentication/);
    // Header check, then the single loading pass: the archive is read once, not verified before.
    expect(opens).toBe(2);
    expect(await snapshot(source)).toEqual(changed);
    expect(await readTree(uploads)).toEqual(files);
    await expect(
      restoreBackup({
        db: database.db,
        keys: KEYS_B,
        open: () => Readable.from([good]),
        targetSchema: source,
        verifyFirst: false,
      }),
    ).rejects.toThrow(/belongs to tenant/);

    // The same archive restored both ways gives the same rows.
    const [twoPass, onePass] = [`${scratch}2`, `${scratch}1`];
    schemas.push(twoPass, onePass);
    await restoreBackup({ db: database.db, keys: KEYS_A, open: () => Readable.from([good]), targetSchema: twoPass });
    const summary = await restoreBackup({
      db: database.db,
      keys: KEYS_A,
      open: () => Readable.from([good]),
      targetSchema: onePass,
      verifyFirst: false,
    });
    expect(summary.manifest.tables.length).toBeGreaterThan(0);
    const restored = await snapshot(onePass);
    expect(restored.users?.length).toBeGreaterThan(0);
    expect(restored).toEqual(await snapshot(twoPass));
  });

  it("backs up a tenant without an uploads directory", async () => {
    const file = path.join(dir, "no-uploads.proisp.bak");
    const { manifest } = await backupTo(file, path.join(dir, "does-not-exist"));
    expect(manifest.uploads).toEqual([]);
  });

  it("has a CLI that prints the header and verifies without restoring", async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), env: {} };
    expect(await main(["header", archive], io)).toBe(0);
    expect(out.join("\n")).toContain(`tenant id:       ${KEYS_A.tenantId}`);
    out.length = 0;
    const env = { PROXPANEL_LICENSE_KEY: KEYS_A.licenseKey, PROXPANEL_TENANT_SECRET: KEYS_A.tenantSecret };
    expect(await main(["verify", archive], { ...io, env })).toBe(0);
    expect(out.join("\n")).toMatch(/table audit_logs: 12000 rows/);
    expect(out.at(-1)).toMatch(/^OK/);
    expect(out.join("\n")).not.toContain(KEYS_A.tenantSecret);
    const wrong = { ...env, PROXPANEL_TENANT_SECRET: "nope" };
    expect(await main(["verify", archive], { ...io, env: wrong })).toBe(1);
    expect(err.at(-1)).toMatch(/different key/);
    expect(await main(["verify", archive], io)).toBe(1);
    expect(await main(["bogus"], io)).toBe(2);
  });
});
