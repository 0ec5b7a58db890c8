import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { Transform, type TransformCallback, type Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { assertSchemaName } from "@proxpanel/db";
import type postgres from "postgres";
import tar, { type Pack } from "tar-stream";
import { type SealOptions, sealArchive } from "./archive.ts";
import { listSequences, listTables, schemaVersionOf } from "./catalog.ts";
import {
  CONTENTS_ENTRY,
  type Contents,
  isSafeRelativePath,
  MANIFEST_ENTRY,
  type Manifest,
  PIECE_BYTES,
  pieceName,
  q,
  type TableSpec,
  UPLOADS_PREFIX,
} from "./contents.ts";
import { type CopyFormat, CopyTally, copyOutSql } from "./copy-format.ts";
import type { ArchiveHeader } from "./header.ts";
import { copyOut } from "./pg-copy.ts";
import { addEntry, chunksOf } from "./tar.ts";

export interface BackupOptions extends Omit<SealOptions, "schemaVersion"> {
  sql: postgres.Sql;
  schemaName: string;
  /** The tenant's uploads directory; missing or empty is fine. */
  uploadsDir?: string;
  /** Called as each table starts streaming (for progress reports). */
  onTable?: (table: string) => void;
  /**
   * How table rows are stored: binary (default). `text` writes an archive as this code did before
   * binary, so tests can prove such archives still restore.
   */
  copyFormat?: CopyFormat;
}

export interface BackupSummary {
  header: ArchiveHeader;
  manifest: Manifest;
  /** Archive size in bytes, header included. */
  bytes: number;
}

class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    cb(null, chunk);
  }
}

/**
 * Writes one tenant's `.proisp.bak` to `out`. Every table is read with `COPY ... TO STDOUT` inside one
 * repeatable-read, read-only transaction, so the archive is one consistent snapshot; rows stream
 * through tar, compression and encryption into `out` with backpressure all the way back to the
 * PostgreSQL socket. The size is known only at the end, which is why the store receives a staged
 * file rather than this stream.
 */
export async function writeBackup(opts: BackupOptions, out: Writable): Promise<BackupSummary> {
  assertSchemaName(opts.schemaName);
  // Tenant archives are restored through a staging schema (foreign keys attached last): biggest first.
  return writeSchemaSnapshot(opts, out, (tx) => schemaVersionOf(tx, opts.schemaName), "largest");
}

/**
 * The same archive for any schema whose version `versionOf` reads; the cluster backup of `public`
 * uses it with the registry's migration count. `opts.schemaName` must be trusted (it is quoted).
 */
export async function writeSchemaSnapshot(
  opts: BackupOptions,
  out: Writable,
  versionOf: (tx: postgres.TransactionSql) => Promise<number>,
  order: "load" | "largest" = "load",
): Promise<BackupSummary> {
  return opts.sql.begin("isolation level repeatable read read only", async (tx) => {
    // A pool's per-statement timeout (the API's guards requests) must not cut a long COPY short.
    await tx`set local statement_timeout = 0`;
    const schemaVersion = await versionOf(tx);
    const tables = await listTables(tx, opts.schemaName, order);
    const { header, stages } = sealArchive({ ...opts, schemaVersion });
    const pack = tar.pack();
    const counter = new ByteCounter();
    const piping = pipeline(chunksOf(pack), ...stages, counter, out);
    const producing = produce(tx, pack, opts, header, tables).catch((err: unknown) => {
      pack.destroy(err instanceof Error ? err : new Error(String(err)));
      throw err;
    });
    // Whichever fails first, the other is torn down and the first error is the one reported.
    piping.catch((err: unknown) => pack.destroy(err instanceof Error ? err : new Error(String(err))));
    const [manifest] = await Promise.all([producing, piping]);
    return { header, manifest, bytes: counter.bytes };
  });
}

async function produce(
  tx: postgres.TransactionSql,
  pack: Pack,
  opts: BackupOptions,
  header: ArchiveHeader,
  tables: TableSpec[],
): Promise<Manifest> {
  const base = { format: 2 as const, tenantId: header.tenantId, sourceSchema: opts.schemaName };
  const format = opts.copyFormat ?? "binary";
  // Archives written before binary COPY carry no format field, and are read as text.
  const contents: Contents = {
    ...base,
    schemaVersion: header.schemaVersion,
    tables,
    ...(format === "binary" ? { copyFormat: format } : {}),
  };
  await addEntry(pack, { name: CONTENTS_ENTRY, size: jsonBytes(contents).length }, [jsonBytes(contents)]);

  const manifest: Manifest = {
    ...base,
    schemaVersion: header.schemaVersion,
    createdAt: header.createdAt.toISOString(),
    tables: [],
    sequences: [],
    uploads: [],
  };
  for (const t of tables) {
    opts.onTable?.(t.name);
    manifest.tables.push({ ...t, ...(await dumpTable(tx, pack, opts.schemaName, t, format)) });
  }

  // Read after the rows: sequences are not transactional, so a value read now is at least what any
  // row in the snapshot used, and restoring it can never hand out an existing id again.
  for (const name of await listSequences(tx, opts.schemaName)) {
    const [row] = await tx.unsafe<{ last_value: string; is_called: boolean }[]>(
      `select last_value::text, is_called from ${q(opts.schemaName)}.${q(name)}`,
    );
    if (row) manifest.sequences.push({ name, lastValue: row.last_value, isCalled: row.is_called });
  }

  if (opts.uploadsDir) {
    for await (const rel of walk(opts.uploadsDir)) manifest.uploads.push(await addUpload(pack, opts.uploadsDir, rel));
  }

  const m = jsonBytes(manifest);
  await addEntry(pack, { name: MANIFEST_ENTRY, size: m.length }, [m]);
  pack.finalize();
  return manifest;
}

function jsonBytes(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v), "utf8");
}

async function dumpTable(
  tx: postgres.TransactionSql,
  pack: Pack,
  schemaName: string,
  t: TableSpec,
  format: CopyFormat,
) {
  const copy = copyOut(tx, copyOutSql(schemaName, t, format));
  const tally = new CopyTally(format);
  let seq = 0;
  let piece: Buffer[] = [];
  let pieceLen = 0;
  const flush = async () => {
    const data = Buffer.concat(piece, pieceLen);
    piece = [];
    pieceLen = 0;
    await addEntry(pack, { name: pieceName(t.name, seq++), size: data.length }, [data]);
  };
  for await (const chunk of copy) {
    tally.add(chunk);
    piece.push(chunk);
    pieceLen += chunk.length;
    if (pieceLen >= PIECE_BYTES) await flush();
  }
  const summary = tally.result();
  // An empty table is stored as nothing (a binary COPY of no rows is still a header and a trailer).
  if (pieceLen > 0 && summary.rows > 0) await flush();
  return summary;
}

/** Regular files only, sorted; symlinks are skipped so a backup never reads outside the directory. */
async function* walk(root: string, rel = ""): AsyncGenerator<string> {
  let entries: import("node:fs").Dirent[];
  try {
    entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" && rel === "") return;
    throw err;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) yield* walk(root, r);
    else if (e.isFile()) {
      if (!isSafeRelativePath(r)) throw new Error(`upload name cannot be archived safely: ${JSON.stringify(r)}`);
      yield r;
    }
  }
}

async function addUpload(pack: Pack, root: string, rel: string): Promise<Manifest["uploads"][number]> {
  const file = path.join(root, rel);
  const { size } = await fs.stat(file);
  const hash = createHash("sha256");
  async function* hashed(): AsyncGenerator<Buffer> {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      yield chunk;
    }
  }
  await addEntry(pack, { name: `${UPLOADS_PREFIX}${rel}`, size }, hashed());
  return { path: rel, bytes: size, sha256: hash.digest("hex") };
}
