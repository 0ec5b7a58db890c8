import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { finished, pipeline } from "node:stream/promises";
import { assertSchemaName, type Db, latestTenantVersion, migrateTenantSchema, type Tx } from "@proxpanel/db";
import { PostgresJsSession } from "drizzle-orm/postgres-js/session";
import type postgres from "postgres";
import { openArchive } from "./archive.ts";
import { q, type TableSpec } from "./contents.ts";
import type { KeyMaterial } from "./keys.ts";
import { readContents } from "./reader.ts";
import { type VerifiedArchive, verifyArchive } from "./verify.ts";

export interface RestoreOptions {
  /** The Drizzle client (`connect(...).db`); migrations run through it, COPY on the same connection. */
  db: Db;
  keys: KeyMaterial;
  /** Opens the archive; called twice (verify, then load), so it must give the same bytes each time. */
  open: () => Readable | Promise<Readable>;
  /** Schema to (re)create: the tenant's own, or a scratch one for a dry run. */
  targetSchema: string;
  /** Directory to replace with the archive's uploads; without it uploads are only verified. */
  uploadsDir?: string;
  onProgress?: (p: { phase: "verify" | "load" | "migrate" | "done"; table?: string }) => void;
  /** Runs inside the restore transaction after the last migration, e.g. to end every session. */
  afterLoad?: (db: Tx) => Promise<void>;
}

export interface RestoreSummary extends VerifiedArchive {
  /** Schema version after migrating forward. */
  schemaVersion: number;
}

/**
 * All or nothing: the archive is authenticated end to end before anything is touched; then one
 * transaction drops the target schema, recreates it at the archive's schema version, loads every
 * table with `COPY ... FROM STDIN` (parents first, every constraint checked), restores sequences and
 * migrates forward to the latest version. Uploads are written to a staging directory beside the
 * target and swapped in only after the commit.
 */
export async function restoreBackup(opts: RestoreOptions): Promise<RestoreSummary> {
  assertSchemaName(opts.targetSchema);
  opts.onProgress?.({ phase: "verify" });
  const verified = await verifyArchive(await opts.open(), opts.keys);
  const { header } = verified;
  if (header.schemaVersion > latestTenantVersion()) {
    throw new Error(
      `archive schema version ${header.schemaVersion} is newer than this cluster's ${latestTenantVersion()}`,
    );
  }

  const staging = opts.uploadsDir
    ? `${path.resolve(opts.uploadsDir)}.restore-${randomBytes(6).toString("hex")}`
    : undefined;
  if (staging) await fs.mkdir(staging, { recursive: true });
  try {
    const schemaVersion = await opts.db.transaction(async (db) => {
      const tx = rawTransaction(db);
      await tx`set local statement_timeout = 0`;
      await tx.unsafe(`drop schema if exists ${q(opts.targetSchema)} cascade`);
      await migrateTenantSchema(db, opts.targetSchema, { create: true, upTo: header.schemaVersion });

      const source = await opts.open();
      const opened = await openArchive(source, opts.keys);
      try {
        // Same archive as the one verified? (The bytes could have been replaced in between.)
        if (!opened.header.salt.equals(header.salt))
          throw new Error("archive changed between verification and restore");
        opts.onProgress?.({ phase: "load" });
        const { manifest } = await readContents(opened.body, opened.header, loader(tx, opts, staging));
        for (const s of manifest.sequences) {
          await tx`select setval(${`${q(opts.targetSchema)}.${q(s.name)}`}::regclass, ${s.lastValue}::bigint, ${s.isCalled})`;
        }
      } finally {
        opened.body.destroy();
        source.destroy();
      }
      opts.onProgress?.({ phase: "migrate" });
      const version = await migrateTenantSchema(db, opts.targetSchema);
      await opts.afterLoad?.(db);
      return version;
    });
    if (staging && opts.uploadsDir) await swapIn(staging, path.resolve(opts.uploadsDir));
    opts.onProgress?.({ phase: "done" });
    return { ...verified, schemaVersion };
  } catch (err) {
    if (staging) await fs.rm(staging, { recursive: true, force: true });
    throw err;
  }
}

/**
 * The postgres.js transaction under a Drizzle one: migrations need Drizzle, `COPY ... FROM STDIN` needs
 * postgres.js, and both must run on the same connection inside the same transaction.
 */
function rawTransaction(db: Tx): postgres.TransactionSql {
  const session = db._.session;
  if (!(session instanceof PostgresJsSession)) throw new Error("restore needs the postgres-js Drizzle driver");
  const client: postgres.TransactionSql = session.client;
  return client;
}

function loader(tx: postgres.TransactionSql, opts: RestoreOptions, staging: string | undefined) {
  let copy: { table: string; stream: Writable } | undefined;
  return {
    async tableData(t: TableSpec, chunk: Buffer) {
      if (!copy) {
        opts.onProgress?.({ phase: "load", table: t.name });
        const sql = `copy ${q(opts.targetSchema)}.${q(t.name)} (${t.columns.map(q).join(", ")}) from stdin`;
        copy = { table: t.name, stream: await tx.unsafe(sql).writable() };
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
    async upload(rel: string, chunks: AsyncIterable<Buffer>) {
      if (!staging) return;
      const file = path.join(staging, ...rel.split("/"));
      // isSafeRelativePath already refused `..` and absolute paths; this is the belt to those braces.
      if (!file.startsWith(`${staging}${path.sep}`)) throw new Error(`upload path escapes the target: ${rel}`);
      await fs.mkdir(path.dirname(file), { recursive: true });
      await pipeline(chunks, createWriteStream(file, { flags: "wx" }));
    },
  };
}

function waitDrain(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onClose = () => settle(new Error("COPY stream closed"));
    const settle = (err?: Error) => {
      stream.off("drain", settle);
      stream.off("error", settle);
      stream.off("close", onClose);
      if (err) reject(err);
      else resolve();
    };
    stream.on("drain", settle);
    stream.on("error", settle);
    stream.on("close", onClose);
  });
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
