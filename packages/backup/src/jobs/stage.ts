import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type BackupSummary, writeBackup } from "../dump.ts";
import { type BackupEnv, type BackupTenant, keysFor, stagingFile, uploadsDirOf } from "./env.ts";
import { BackupInterruptedError } from "./running.ts";

class Sha256 extends Transform {
  readonly hash = createHash("sha256");
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.hash.update(chunk);
    cb(null, chunk);
  }
}

export interface StagedArchive extends BackupSummary {
  file: string;
  sha256: string;
}

/**
 * Dumps the tenant into its staging file, hashing on the way. The archive always lands on local
 * disk first: the upload needs its size, and a store outage must not lose it.
 */
export async function stageBackup(
  env: BackupEnv,
  tenant: BackupTenant,
  filename: string,
  onTable?: (table: string) => void,
  signal?: AbortSignal,
): Promise<StagedArchive> {
  const file = stagingFile(env, tenant.id, filename);
  await fs.mkdir(path.dirname(file), { recursive: true });
  const hasher = new Sha256();
  const writing = pipeline(hasher, createWriteStream(file, { flags: "wx" }));
  // A shutdown that cannot wait: the dump fails at its next write and the file is removed below.
  const abort = () => hasher.destroy(new BackupInterruptedError());
  signal?.addEventListener("abort", abort, { once: true });
  try {
    if (signal?.aborted) throw new BackupInterruptedError();
    const opts = {
      sql: env.sql,
      schemaName: tenant.schemaName,
      keys: keysFor(env, tenant),
      uploadsDir: uploadsDirOf(env, tenant.id),
      ...(onTable ? { onTable } : {}),
    };
    const [summary] = await Promise.all([writeBackup(opts, hasher), writing]);
    return { ...summary, file, sha256: hasher.hash.digest("hex") };
  } catch (err) {
    hasher.destroy();
    await writing.catch(() => undefined);
    await fs.rm(file, { force: true });
    throw signal?.aborted ? new BackupInterruptedError() : err;
  } finally {
    signal?.removeEventListener("abort", abort);
  }
}
