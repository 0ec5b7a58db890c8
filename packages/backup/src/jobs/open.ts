import { createReadStream } from "node:fs";
import type { Readable } from "node:stream";
import type { CloudBackup } from "@proxpanel/db";
import { TenantBackupStore } from "../store/tenant.ts";
import { type BackupEnv, stagingFile } from "./env.ts";

export class BackupUnavailableError extends Error {
  override name = "BackupUnavailableError";
}

/**
 * The archive's bytes: from the store once uploaded, from staging while it waits. The location is
 * always rebuilt from the row's tenant id and checked file name, never taken from a caller.
 */
export async function openBackup(env: BackupEnv, row: CloudBackup): Promise<Readable> {
  if (row.status === "uploaded") return new TenantBackupStore(env.store, row.tenantId).get(row.filename);
  if (row.status === "pending_upload") {
    const file = stagingFile(env, row.tenantId, row.filename);
    const stream = createReadStream(file);
    await new Promise<void>((resolve, reject) => {
      stream.once("open", () => resolve());
      stream.once("error", reject);
    });
    return stream;
  }
  throw new BackupUnavailableError(`backup ${row.filename} failed and has no archive`);
}
