import type { Readable } from "node:stream";
import {
  BackupQuotaError,
  BackupUnavailableError,
  backupEnv,
  createBackup,
  loadBackupTenant,
  openBackup,
  removeBackup,
  usedBackupBytes,
} from "@proxpanel/backup";
import { type CloudBackup, cloudBackups } from "@proxpanel/db";
import { and, desc, eq } from "drizzle-orm";
import type { AppDeps } from "../../deps.ts";
import { AppError, ErrorCode, notFound } from "../../errors.ts";
import { writeAudit } from "../../services/audit.ts";
import type { ServiceCtx } from "../../services/context.ts";
import { type BackupJob, jobHub } from "./backups-progress.ts";

type Deps = Pick<AppDeps, "db" | "sql" | "backup">;

export function publicBackup(b: CloudBackup) {
  return {
    id: b.id,
    filename: b.filename,
    sizeBytes: b.sizeBytes,
    sha256: b.sha256,
    status: b.status,
    kind: b.kind,
    pinned: b.pinned,
    schemaVersion: b.schemaVersion,
    attempts: b.attempts,
    error: b.error,
    createdAt: b.createdAt,
    uploadedAt: b.uploadedAt,
  };
}

export function quotaError(err: BackupQuotaError): AppError {
  return new AppError(507, ErrorCode.backupQuotaExceeded, `This backup would exceed the plan's backup quota.`, {
    usedBytes: err.usedBytes,
    limitBytes: err.limitBytes,
    backupBytes: err.sizeBytes,
  });
}

/** Every lookup carries the caller's tenant id: another tenant's id is simply not found. */
export async function getTenantBackup(deps: Deps, tenantId: string, id: string): Promise<CloudBackup> {
  const [row] = await deps.db
    .select()
    .from(cloudBackups)
    .where(and(eq(cloudBackups.id, id), eq(cloudBackups.tenantId, tenantId)))
    .limit(1);
  if (!row) throw notFound("Backup not found");
  return row;
}

export async function quotaUsage(deps: Deps, tenantId: string) {
  const tenant = await loadBackupTenant(deps.db, tenantId);
  const used = await usedBackupBytes(deps.db, tenantId);
  const limit = tenant?.quotaBytes ?? 0;
  return { usedBytes: used, limitBytes: limit, percent: limit > 0 ? Math.round((used / limit) * 1000) / 10 : 100 };
}

export async function listBackups(deps: Deps, { ctx }: { ctx: ServiceCtx }) {
  const rows = await deps.db
    .select()
    .from(cloudBackups)
    .where(eq(cloudBackups.tenantId, ctx.tenant.id))
    .orderBy(desc(cloudBackups.createdAt));
  return { items: rows.map(publicBackup), quota: await quotaUsage(deps, ctx.tenant.id) };
}

export async function createBackupNow(
  deps: Deps,
  { ctx, onProgress }: { ctx: ServiceCtx; onProgress?: (p: { phase: "dump" | "upload"; table?: string }) => void },
) {
  try {
    const row = await createBackup(backupEnv(deps), ctx.tenant.id, {
      kind: "manual",
      createdBy: ctx.actor.label,
      ...(onProgress ? { onProgress } : {}),
    });
    await writeAudit(ctx, {
      action: "backup.create",
      entityType: "backup",
      entityId: row.id,
      details: { filename: row.filename, sizeBytes: row.sizeBytes, status: row.status },
    });
    return publicBackup(row);
  } catch (err) {
    if (err instanceof BackupQuotaError) {
      await writeAudit(ctx, { action: "backup.quota_refused", entityType: "backup", details: { ...err } });
      throw quotaError(err);
    }
    throw err;
  }
}

export async function downloadBackup(
  deps: Deps,
  { ctx, input }: { ctx: ServiceCtx; input: { id: string } },
): Promise<{ filename: string; sizeBytes: number; stream: Readable }> {
  const row = await getTenantBackup(deps, ctx.tenant.id, input.id);
  try {
    const stream = await openBackup(backupEnv(deps), row);
    await writeAudit(ctx, { action: "backup.download", entityType: "backup", entityId: row.id });
    return { filename: row.filename, sizeBytes: row.sizeBytes, stream };
  } catch (err) {
    if (err instanceof BackupUnavailableError) throw new AppError(409, ErrorCode.conflict, err.message);
    throw err;
  }
}

export async function deleteBackup(deps: Deps, { ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const row = await getTenantBackup(deps, ctx.tenant.id, input.id);
  await removeBackup(backupEnv(deps), row);
  await writeAudit(ctx, {
    action: "backup.delete",
    entityType: "backup",
    entityId: row.id,
    details: { filename: row.filename },
  });
}

/**
 * The same on-demand backup as a job: answers at once, and the panel follows the dump table by table
 * (polling or SSE) from any API instance.
 */
export async function startBackupJob(
  deps: Deps & Pick<AppDeps, "state" | "logger">,
  { ctx }: { ctx: ServiceCtx },
): Promise<BackupJob> {
  const hub = jobHub(deps);
  const job = await hub.start({ kind: "backup", tenantId: ctx.tenant.id, backupId: null }, "running");
  createBackupNow(deps, {
    ctx,
    onProgress: (p) => void hub.update(job.id, { phase: p.phase, table: p.table ?? null }),
  }).then(
    (b) => hub.update(job.id, { status: "succeeded", phase: "done", table: null, backupId: b.id }),
    (err: unknown) => {
      deps.logger.warn({ err, tenantId: ctx.tenant.id, jobId: job.id }, "backup job failed");
      return hub.update(job.id, { status: "failed", error: err instanceof Error ? err.message : String(err) });
    },
  );
  return job;
}

export function getBackupJob(
  deps: Pick<AppDeps, "db" | "sql" | "state" | "logger">,
  tenantId: string,
  jobId: string,
): Promise<BackupJob> {
  return jobHub(deps).get(tenantId, jobId, ["backup"]);
}
