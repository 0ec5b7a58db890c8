import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, readFileSync } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { type Readable, Transform, type TransformCallback, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type Db, PUBLIC_MIGRATIONS_DIR } from "@proxpanel/db";
import type postgres from "postgres";
import { openArchive } from "./archive.ts";
import { q } from "./contents.ts";
import { type BackupSummary, writeSchemaSnapshot } from "./dump.ts";
import { raiseAlert } from "./jobs/alerts.ts";
import { clusterKeys } from "./keys.ts";
import { readContents } from "./reader.ts";
import { copyLoader, rawTransaction } from "./restore.ts";
import type { ObjectStore } from "./store/object-store.ts";
import { type VerifiedArchive, verifyArchive } from "./verify.ts";

/** Where cluster archives live; the listing of this prefix is the whole bookkeeping. */
export const CLUSTER_PREFIX = "cloud_backups/cluster/";
export const CLUSTER_FILENAME_RE = /^cluster-\d{8}T\d{6}Z-[0-9a-f]{6}\.proisp\.bak$/;
/** Cluster archives kept in the store; older ones are deleted after each successful upload. */
export const CLUSTER_KEEP_DEFAULT = 14;

export function clusterObjectKey(filename: string): string {
  if (!CLUSTER_FILENAME_RE.test(filename)) throw new Error(`invalid cluster backup name: ${filename.slice(0, 80)}`);
  return `${CLUSTER_PREFIX}${filename}`;
}

/** Sorts by time because the stamp leads the name. */
export function newClusterFilename(at = new Date()): string {
  const stamp = at
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  return `cluster-${stamp}-${randomBytes(3).toString("hex")}.proisp.bak`;
}

/** The registry's version: how many `drizzle/public` migrations are applied. */
async function publicVersion(tx: postgres.TransactionSql): Promise<number> {
  const [row] = await tx<{ ok: boolean }[]>`select to_regclass('drizzle.__drizzle_migrations') is not null as ok`;
  if (!row?.ok) return 0;
  const [n] = await tx<{ n: number }[]>`select count(*)::int as n from drizzle.__drizzle_migrations`;
  return n?.n ?? 0;
}

/** How many registry migrations this code knows. */
export function latestPublicVersion(): number {
  const journal = JSON.parse(readFileSync(`${PUBLIC_MIGRATIONS_DIR}/meta/_journal.json`, "utf8")) as {
    entries: unknown[];
  };
  return journal.entries.length;
}

/**
 * The `public` schema (tenant registry, plans, backup registry, super-admin audit, …) as a V2 archive
 * sealed with the cluster key: the license key alone, under its own HKDF info, so the archive opens
 * on a fresh host that has nothing but the license key.
 */
export function writeClusterBackup(
  env: { sql: postgres.Sql; licenseKey: string },
  out: Writable,
): Promise<BackupSummary> {
  return writeSchemaSnapshot({ sql: env.sql, schemaName: "public", keys: clusterKeys(env.licenseKey) }, out, (tx) =>
    publicVersion(tx),
  );
}

export interface ClusterBackupInfo {
  filename: string;
  key: string;
  size: number;
  lastModified: Date;
}

/** Newest first. Objects under the prefix that are not ours by name are ignored. */
export async function listClusterBackups(store: ObjectStore): Promise<ClusterBackupInfo[]> {
  const objects = await store.list(CLUSTER_PREFIX);
  return objects
    .map((o) => ({ ...o, filename: o.key.slice(CLUSTER_PREFIX.length) }))
    .filter((o) => CLUSTER_FILENAME_RE.test(o.filename))
    .map((o) => ({ filename: o.filename, key: o.key, size: o.size, lastModified: o.lastModified }))
    .sort((a, b) => (a.filename < b.filename ? 1 : a.filename > b.filename ? -1 : 0));
}

export interface ClusterBackupEnv {
  db: Db;
  sql: postgres.Sql;
  store: ObjectStore;
  licenseKey: string;
  stagingDir: string;
}

export interface ClusterBackupResult {
  filename: string;
  bytes: number;
  sha256: string;
  /** False when the store was unreachable: the archive waits in staging for the next run. */
  uploaded: boolean;
  /** Older cluster archives deleted by the keep-N rule. */
  removed: string[];
}

class Sha256 extends Transform {
  readonly hash = createHash("sha256");
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    cb(null, chunk);
  }
}

const clusterStaging = (env: Pick<ClusterBackupEnv, "stagingDir">) =>
  path.join(path.resolve(env.stagingDir), "cluster");

/**
 * One cluster backup: written to staging, then every staged cluster archive (this one and any an
 * earlier outage left behind) is uploaded, oldest first. An upload failure raises `upload_failing`
 * and leaves the files for the next run; only after a successful upload are archives beyond `keep`
 * deleted from the store.
 */
export async function runClusterBackup(
  env: ClusterBackupEnv,
  opts: { keep?: number; now?: Date } = {},
): Promise<ClusterBackupResult> {
  const dir = clusterStaging(env);
  await fs.mkdir(dir, { recursive: true });
  const filename = newClusterFilename(opts.now);
  const file = path.join(dir, filename);
  const partial = `${file}.partial`;
  const hasher = new Sha256();
  try {
    const writing = pipeline(hasher, createWriteStream(partial, { flags: "wx", mode: 0o600 }));
    const [summary] = await Promise.all([writeClusterBackup(env, hasher), writing]);
    await fs.rename(partial, file);
    const result: ClusterBackupResult = {
      filename,
      bytes: summary.bytes,
      sha256: hasher.hash.digest("hex"),
      uploaded: false,
      removed: [],
    };
    result.uploaded = await uploadStagedClusterBackups(env);
    if (result.uploaded) result.removed = await pruneClusterBackups(env.store, opts.keep ?? CLUSTER_KEEP_DEFAULT);
    return result;
  } catch (err) {
    hasher.destroy();
    await fs.rm(partial, { force: true });
    throw err;
  }
}

/** Uploads what waits in `<staging>/cluster`; true when nothing is left waiting. */
export async function uploadStagedClusterBackups(env: ClusterBackupEnv): Promise<boolean> {
  const dir = clusterStaging(env);
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => CLUSTER_FILENAME_RE.test(n)).sort();
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      const { size } = await fs.stat(file);
      await env.store.put(clusterObjectKey(name), createReadStream(file), size);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      await raiseAlert(env.db, null, "upload_failing", `Cluster backup ${name} could not be uploaded: ${reason}`);
      return false;
    }
    await fs.rm(file, { force: true });
  }
  return true;
}

export async function pruneClusterBackups(store: ObjectStore, keep: number): Promise<string[]> {
  const old = (await listClusterBackups(store)).slice(Math.max(1, keep));
  for (const o of old) await store.delete(o.key);
  return old.map((o) => o.filename);
}

export class ClusterRestoreError extends Error {
  override name = "ClusterRestoreError";
}

/**
 * Loads a cluster archive into the `public` schema of a database whose registry is migrated and
 * empty (no tenants): verified end to end first, then in one transaction every archived table is
 * emptied (the plan seed included) and loaded with COPY, parents first, and sequences are set.
 */
export async function restoreClusterArchive(opts: {
  db: Db;
  licenseKey: string;
  open: () => Promise<Readable> | Readable;
  onTable?: (table: string) => void;
}): Promise<VerifiedArchive> {
  const keys = clusterKeys(opts.licenseKey);
  const verified = await verifyArchive(await opts.open(), keys);
  if (verified.header.schemaVersion > latestPublicVersion()) {
    throw new ClusterRestoreError(
      `cluster archive registry version ${verified.header.schemaVersion} is newer than this code's ${latestPublicVersion()}`,
    );
  }
  await opts.db.transaction(async (db) => {
    const tx = rawTransaction(db);
    await tx`set local statement_timeout = 0`;
    const [row] = await tx<{ n: number }[]>`select count(*)::int as n from public.tenants`;
    if ((row?.n ?? 0) > 0)
      throw new ClusterRestoreError("the target registry already has tenants; rebuild needs an empty database");
    const tables = verified.contents.tables.map((t) => `public.${q(t.name)}`);
    if (tables.length) await tx.unsafe(`truncate ${tables.join(", ")} cascade`);
    const source = await opts.open();
    const opened = await openArchive(source, keys);
    try {
      if (!opened.header.salt.equals(verified.header.salt))
        throw new ClusterRestoreError("archive changed since verification");
      const loader = copyLoader(tx, "public", (p) => p.table && opts.onTable?.(p.table), undefined);
      const { manifest } = await readContents(opened.body, opened.header, loader);
      for (const s of manifest.sequences) {
        await tx`select setval(${`public.${q(s.name)}`}::regclass, ${s.lastValue}::bigint, ${s.isCalled})`;
      }
    } finally {
      opened.body.destroy();
      source.destroy();
    }
  });
  return verified;
}
