import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import {
  assertSchemaName,
  type Db,
  latestTenantVersion,
  migrateTenantSchema,
  PG_LOCK_NOT_AVAILABLE,
  pgError,
  type Tx,
} from "@proxpanel/db";
import { PostgresJsSession } from "drizzle-orm/postgres-js/session";
import type postgres from "postgres";
import { openArchive } from "./archive.ts";
import { q, type TableSpec } from "./contents.ts";
import { type CopyFormat, copyInSql } from "./copy-format.ts";
import { detachIndexesAndKeys } from "./defer.ts";
import type { ArchiveHeader } from "./header.ts";
import type { KeyMaterial } from "./keys.ts";
import { readContents } from "./reader.ts";
import { parallelLoader, prepareLane, resetLane, waitDrain } from "./restore-lanes.ts";
import {
  createStagingSchema,
  dropOrphanRestoreSchemas,
  lockStaging,
  stagingSchemaName,
  swapSchemas,
  unlockStaging,
} from "./restore-staging.ts";
import { type VerifiedArchive, verifyArchive } from "./verify.ts";

export interface RestoreOptions {
  /**
   * The Drizzle client (`connect(...).db`); migrations and the swap run through it, and the loading
   * connections are reserved from its pool (which needs at least `parallel` + 1 connections).
   */
  db: Db;
  keys: KeyMaterial;
  /** Opens the archive; called twice (verify, then load), so it must give the same bytes each time. */
  open: () => Readable | Promise<Readable>;
  /** Schema to (re)create: the tenant's own, or a scratch one for a dry run. */
  targetSchema: string;
  /** Directory to replace with the archive's uploads; without it uploads are only verified. */
  uploadsDir?: string;
  onProgress?: (p: { phase: "verify" | "load" | "migrate" | "done"; table?: string }) => void;
  /**
   * true: authenticate and check the whole archive before loading anything. false (default): one
   * pass, checked while loading into the staging schema; a bad archive is found before the swap
   * either way, so the target is never touched, and the archive is read and decrypted once, not twice.
   */
  verifyFirst?: boolean;
  /** Connections used for loading (one COPY, the rest build indexes); default 3, capped by the pool. */
  parallel?: number;
  /** Runs inside the restore transaction after the last migration, e.g. to end every session. */
  afterLoad?: (db: Tx) => Promise<void>;
}

export interface RestoreSummary extends VerifiedArchive {
  /** Schema version after migrating forward. */
  schemaVersion: number;
}

/**
 * All or nothing without one long transaction: the archive is loaded into a fresh staging schema
 * (`<target>__restore_<hex>`, created from the tenant migrations at the archive's schema version)
 * over several connections — COPY in archive order on one, index builds of finished tables on the
 * others — then keys and foreign keys are attached (every row still checked), sequences set, the
 * staging schema migrated forward, and ONE short transaction swaps it in place of the target and runs
 * `afterLoad`. The target is not touched before that commit, so a damaged archive (detected at the
 * latest when its last chunk is authenticated, before the swap), an error or a killed process leave
 * the old data as it was; a dead restore's staging schema is dropped by the next restore. Uploads go
 * to a staging directory beside the target and are swapped in only after the commit.
 */
export async function restoreBackup(opts: RestoreOptions): Promise<RestoreSummary> {
  assertSchemaName(opts.targetSchema);
  opts.onProgress?.({ phase: "verify" });
  const verifyFirst = opts.verifyFirst ?? false;
  const checked: VerifiedArchive | undefined = verifyFirst
    ? await verifyArchive(await opts.open(), opts.keys)
    : undefined;
  // In one-pass mode only the header is read up front: wrong key and version are still refused early.
  let header: ArchiveHeader;
  if (checked) header = checked.header;
  else {
    const first = await openArchive(await opts.open(), opts.keys);
    first.body.destroy();
    header = first.header;
  }
  if (header.schemaVersion > latestTenantVersion()) {
    throw new Error(
      `archive schema version ${header.schemaVersion} is newer than this cluster's ${latestTenantVersion()}`,
    );
  }

  const staging = opts.uploadsDir
    ? `${path.resolve(opts.uploadsDir)}.restore-${randomBytes(6).toString("hex")}`
    : undefined;
  if (staging) await fs.mkdir(staging, { recursive: true });
  const pool = poolOf(opts.db);
  // The migrate-and-swap transaction needs one pooled connection besides the reserved ones.
  const lanes = Math.min(opts.parallel ?? DEFAULT_LANES, pool.options.max - 1);
  if (lanes < 1) throw new Error("restore needs a connection pool of at least 2");
  const schema = stagingSchemaName(opts.targetSchema);
  const conns: postgres.ReservedSql[] = [];
  let swapped = false;
  try {
    const main = await pool.reserve();
    conns.push(main);
    await prepareLane(main);
    await lockStaging(main, schema);
    await dropOrphanRestoreSchemas(main);
    // The other lanes connect while the staging schema is created on the pool's spare connection.
    const [planned, ...reserved] = await Promise.allSettled([
      opts.db.transaction(async (db) => {
        const tx = rawTransaction(db);
        await tx`set local statement_timeout = 0`;
        await createStagingSchema(tx, schema, header.schemaVersion);
        return detachIndexesAndKeys(tx, schema);
      }),
      ...Array.from({ length: lanes - 1 }, async () => {
        const c = await pool.reserve();
        conns.push(c);
        await prepareLane(c);
      }),
    ]);
    for (const r of [planned, ...reserved]) if (r?.status === "rejected") throw r.reason;
    if (planned?.status !== "fulfilled") throw new Error("staging schema not created");
    const plan = planned.value;

    const loader = parallelLoader({
      copyConn: main,
      builders: conns.slice(1),
      staging: schema,
      plan,
      onTable: (table) => opts.onProgress?.({ phase: "load", table }),
    });
    const source = await opts.open();
    let loaded: VerifiedArchive;
    try {
      const opened = await openArchive(source, opts.keys);
      try {
        // Same archive as the one verified? (The bytes could have been replaced in between.)
        if (!opened.header.salt.equals(header.salt))
          throw new Error("archive changed between verification and restore");
        opts.onProgress?.({ phase: "load" });
        const read = await readContents(opened.body, opened.header, { ...loader.sink, upload: uploadSink(staging) });
        loaded = { header: opened.header, ...read };
        await loader.finish();
      } finally {
        opened.body.destroy();
      }
    } catch (err) {
      await loader.abort(err);
      throw err;
    } finally {
      source.destroy();
    }
    const seqs = loaded.manifest.sequences;
    if (seqs.length > 0) {
      // One round trip for all of them.
      const calls = seqs.map(
        (_, i) => `setval($${3 * i + 1}::regclass, $${3 * i + 2}::bigint, $${3 * i + 3}::boolean)`,
      );
      await main.unsafe(
        `select ${calls.join(", ")}`,
        seqs.flatMap((s) => [`${q(schema)}.${q(s.name)}`, s.lastValue, s.isCalled]),
      );
    }

    opts.onProgress?.({ phase: "migrate" });
    const schemaVersion = await swapWithRetry(() =>
      opts.db.transaction(async (db) => {
        await rawTransaction(db)`set local statement_timeout = 0`;
        // Dropping the old schema needs every one of its tables to itself. While it waits, each new
        // query on those tables queues behind it, so the tenant would stall behind one slow reader:
        // give up after a few seconds, let the queue drain, and try again.
        await rawTransaction(db)`select set_config('lock_timeout', ${`${SWAP_LOCK_TIMEOUT_MS}ms`}, true)`;
        const version = await migrateTenantSchema(db, schema);
        await swapSchemas(db, schema, opts.targetSchema);
        await opts.afterLoad?.(db);
        return version;
      }),
    );
    swapped = true;
    if (staging && opts.uploadsDir) await swapIn(staging, path.resolve(opts.uploadsDir));
    opts.onProgress?.({ phase: "done" });
    return { ...(checked ?? loaded), schemaVersion };
  } catch (err) {
    if (staging) await fs.rm(staging, { recursive: true, force: true });
    throw err;
  } finally {
    await releaseLanes(conns, schema, !swapped);
  }
}

/** Lanes used by default: one COPY connection and two index builders. */
const DEFAULT_LANES = 3;

/** Drops an unfinished staging schema, unlocks it, then gives every reserved connection back clean. */
async function releaseLanes(conns: postgres.ReservedSql[], staging: string, unfinished: boolean): Promise<void> {
  const [main] = conns;
  if (main) {
    // Best effort: if the connection is gone, the next restore drops the orphan.
    if (unfinished) await main.unsafe(`drop schema if exists ${q(staging)} cascade`).catch(() => undefined);
    await unlockStaging(main, staging).catch(() => undefined);
  }
  for (const c of conns) {
    await resetLane(c).catch(() => undefined);
    c.release();
  }
}

/** The postgres.js pool under the Drizzle client, for reserving the loading connections. */
function poolOf(db: Db): postgres.Sql {
  const session = db._.session;
  if (!(session instanceof PostgresJsSession)) throw new Error("restore needs the postgres-js Drizzle driver");
  const client: postgres.Sql = session.client;
  return client;
}

/**
 * The postgres.js transaction under a Drizzle one: migrations need Drizzle, `COPY ... FROM STDIN` needs
 * postgres.js, and both must run on the same connection inside the same transaction.
 */
export function rawTransaction(db: Tx): postgres.TransactionSql {
  const session = db._.session;
  if (!(session instanceof PostgresJsSession)) throw new Error("restore needs the postgres-js Drizzle driver");
  const client: postgres.TransactionSql = session.client;
  return client;
}

/**
 * The restore's content sink: each table's pieces into one `COPY ... FROM STDIN` on `tx`, uploads into
 * `staging` (skipped without it). `targetSchema` must be trusted; the cluster restore uses `public`.
 */
export function copyLoader(
  tx: postgres.TransactionSql,
  targetSchema: string,
  onProgress: RestoreOptions["onProgress"],
  staging: string | undefined,
) {
  let copy: { table: string; stream: Writable } | undefined;
  return {
    async tableData(t: TableSpec, chunk: Buffer, format: CopyFormat) {
      if (!copy) {
        onProgress?.({ phase: "load", table: t.name });
        copy = { table: t.name, stream: await tx.unsafe(copyInSql(targetSchema, t, format)).writable() };
      }
      if (!copy.stream.write(chunk)) await waitDrain(copy.stream);
    },
    async tableEnd() {
      if (!copy) return;
      const { stream } = copy;
      copy = undefined;
      stream.end();
      await finished(stream);
    },
    upload: uploadSink(staging),
  };
}

/** Writes each upload under `staging`; without a directory they are only verified (the reader drains). */
function uploadSink(staging: string | undefined) {
  return async (rel: string, chunks: AsyncIterable<Buffer>) => {
    if (!staging) return;
    const file = path.join(staging, ...rel.split("/"));
    // isSafeRelativePath already refused `..` and absolute paths; this is the belt to those braces.
    if (!file.startsWith(`${staging}${path.sep}`)) throw new Error(`upload path escapes the target: ${rel}`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await pipeline(chunks, createWriteStream(file, { flags: "wx" }));
  };
}

async function swapIn(staging: string, target: string): Promise<void> {
  const old = `${target}.old-${randomBytes(6).toString("hex")}`;
  const hadOld = await fs
    .rename(target, old)
    .then(() => true)
    .catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return false;
      throw err;
    });
  await fs.rename(staging, target);
  if (hadOld) await fs.rm(old, { recursive: true, force: true });
}

const SWAP_LOCK_TIMEOUT_MS = 3_000;
const SWAP_ATTEMPTS = 10;

/** Runs the swap transaction again when it timed out waiting for a lock; nothing of it was kept. */
async function swapWithRetry<T>(swap: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await swap();
    } catch (err) {
      if (pgError(err)?.code !== PG_LOCK_NOT_AVAILABLE || attempt >= SWAP_ATTEMPTS) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}
