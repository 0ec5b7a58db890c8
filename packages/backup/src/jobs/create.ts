import fs from "node:fs/promises";
import { type BACKUP_KINDS, type CloudBackup, cloudBackups, type Executor } from "@proxpanel/db";
import { observeBackup } from "@proxpanel/metrics/backup";
import { and, eq, inArray, sql, sum } from "drizzle-orm";
import { backupKey, newBackupFilename } from "../store/tenant.ts";
import { raiseAlert } from "./alerts.ts";
import { type BackupEnv, type BackupTenant, loadBackupTenant, stagingFile } from "./env.ts";
import { assertNotInterrupted, BackupInterruptedError, type RunningBackup, trackBackup } from "./running.ts";
import { stageBackup } from "./stage.ts";
import { uploadBackup } from "./upload.ts";

export class BackupQuotaError extends Error {
  override name = "BackupQuotaError";
  constructor(
    readonly usedBytes: number,
    readonly limitBytes: number,
    readonly sizeBytes: number,
  ) {
    super(`backup of ${sizeBytes} bytes would exceed the quota (${usedBytes} of ${limitBytes} bytes used)`);
  }
}

export class BackupTenantNotFoundError extends Error {
  override name = "BackupTenantNotFoundError";
}

/** Bytes counted against the quota: everything stored or waiting to be (failed rows hold nothing). */
export async function usedBackupBytes(db: Executor, tenantId: string): Promise<number> {
  const [row] = await db
    .select({ n: sum(cloudBackups.sizeBytes) })
    .from(cloudBackups)
    .where(and(eq(cloudBackups.tenantId, tenantId), inArray(cloudBackups.status, ["pending_upload", "uploaded"])));
  return Number(row?.n ?? 0);
}

export interface CreateBackupOptions {
  kind?: (typeof BACKUP_KINDS)[number];
  createdBy?: string | null;
  /** Progress: each table as it is dumped, then the upload. */
  onProgress?: (p: { phase: "dump" | "upload"; table?: string }) => void;
}

/**
 * Dumps the tenant to staging, checks the plan quota (nothing is deleted to make room), records the
 * archive and uploads it. An unreachable store leaves it `pending_upload` for the retry loop; only
 * the quota is an error.
 */
export function createBackup(env: BackupEnv, tenantId: string, opts: CreateBackupOptions = {}) {
  return observeBackup(
    "backup",
    () => createBackupUnobserved(env, tenantId, opts),
    (err) =>
      err instanceof BackupQuotaError ? "quota" : err instanceof BackupInterruptedError ? "interrupted" : "failed",
  );
}

async function createBackupUnobserved(env: BackupEnv, tenantId: string, opts: CreateBackupOptions) {
  const tenant = await loadBackupTenant(env.db, tenantId);
  if (!tenant) throw new BackupTenantNotFoundError(`no tenant ${tenantId}`);
  const filename = newBackupFilename();
  // Known to a shutdown (drainBackups) from here until the row is written or the file removed.
  const entry: RunningBackup = {
    file: stagingFile(env, tenant.id, filename),
    phase: "staging",
    abort: new AbortController(),
    done: Promise.resolve(),
  };
  const untrack = trackBackup(entry);
  const run = recordBackup(env, tenant, filename, entry, opts);
  entry.done = run;
  try {
    return await run;
  } finally {
    untrack();
  }
}

async function recordBackup(
  env: BackupEnv,
  tenant: BackupTenant,
  filename: string,
  entry: RunningBackup,
  opts: CreateBackupOptions,
) {
  const staged = await stageBackup(
    env,
    tenant,
    filename,
    (table) => opts.onProgress?.({ phase: "dump", table }),
    entry.abort.signal,
  );
  // Synchronous from the check to the phase change: a shutdown either stopped it before, or waits.
  assertNotInterrupted(entry);
  entry.phase = "recording";

  const outcome = await env.db
    .transaction(async (tx) => {
      // Serialises concurrent backups of one tenant, so two cannot both fit under the same headroom.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`backup-quota:${tenant.id}`}))`);
      const used = await usedBackupBytes(tx, tenant.id);
      if (used + staged.bytes > tenant.quotaBytes) return { kind: "over", used } as const;
      const [row] = await tx
        .insert(cloudBackups)
        .values({
          tenantId: tenant.id,
          filename,
          objectKey: backupKey(tenant.id, filename),
          sizeBytes: staged.bytes,
          sha256: staged.sha256,
          status: "pending_upload",
          kind: opts.kind ?? "manual",
          schemaVersion: staged.header.schemaVersion,
          keyId: staged.header.keyId,
          createdBy: opts.createdBy ?? null,
        })
        .returning();
      return { kind: "ok", row: row as CloudBackup } as const;
    })
    .catch(async (err: unknown) => {
      // No row points at the file: it must not stay in staging.
      await fs.rm(staged.file, { force: true });
      throw err;
    });

  if (outcome.kind === "over") {
    await fs.rm(staged.file, { force: true });
    const err = new BackupQuotaError(outcome.used, tenant.quotaBytes, staged.bytes);
    await raiseAlert(env.db, tenant.id, "over_quota", `Tenant ${tenant.slug}: ${err.message}`);
    throw err;
  }
  opts.onProgress?.({ phase: "upload" });
  return uploadBackup(env, outcome.row);
}
