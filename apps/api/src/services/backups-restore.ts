import { randomUUID } from "node:crypto";
import { backupEnv, keysFor, loadBackupTenant, openBackup, restoreBackup, uploadsDirOf } from "@proxpanel/backup";
import { max, sql } from "drizzle-orm";
import { LRUCache } from "lru-cache";
import type { AppDeps } from "../deps.ts";
import { AppError, ErrorCode, notFound } from "../errors.ts";
import { writeAudit } from "./audit.ts";
import { getTenantBackup } from "./backups.ts";
import { resyncTenantDue } from "./backups-schedules.ts";
import type { ServiceCtx } from "./context.ts";

export interface RestoreJob {
  id: string;
  tenantId: string;
  backupId: string;
  status: "running" | "succeeded" | "failed";
  phase: "queued" | "verify" | "load" | "migrate" | "done";
  table: string | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

// Progress lives in this instance's memory: the panel polls the instance that started the job
// (a restart loses the report, never the data: the restore is one transaction).
const jobs = new LRUCache<string, RestoreJob>({ max: 1000, ttl: 24 * 3600_000 });
const running = new Set<string>();

type Deps = Pick<AppDeps, "db" | "sql" | "backup" | "principals" | "logger">;

export function getRestoreJob(tenantId: string, jobId: string): RestoreJob {
  const job = jobs.get(jobId);
  if (!job || job.tenantId !== tenantId) throw notFound("Restore job not found");
  return job;
}

/** Starts a restore and returns at once with the job the panel polls. */
export async function startRestore(deps: Deps, { ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const row = await getTenantBackup(deps, ctx.tenant.id, input.id);
  if (running.has(ctx.tenant.id)) throw new AppError(409, ErrorCode.conflict, "A restore is already running");
  running.add(ctx.tenant.id);
  const job: RestoreJob = {
    id: randomUUID(),
    tenantId: ctx.tenant.id,
    backupId: row.id,
    status: "running",
    phase: "queued",
    table: null,
    error: null,
    startedAt: new Date().toISOString(),
    finishedAt: null,
  };
  jobs.set(job.id, job);
  const finish = (patch: Partial<RestoreJob>) =>
    Object.assign(job, { finishedAt: new Date().toISOString(), ...patch }) && running.delete(ctx.tenant.id);
  runRestore(deps, ctx, row.id, job).then(
    () => finish({ status: "succeeded", phase: "done" }),
    (err: unknown) => {
      deps.logger.warn({ err, tenantId: ctx.tenant.id, backupId: row.id }, "restore failed");
      finish({ status: "failed", error: err instanceof Error ? err.message : String(err) });
    },
  );
  return job;
}

/**
 * Verify, then replace the schema in one transaction whose last statement ends every session:
 * session versions go above anything a token issued before the restore can carry, so a restored
 * (older) version can never revive a token that "log out everywhere" had killed.
 */
async function runRestore(deps: Deps, ctx: ServiceCtx, backupId: string, job: RestoreJob) {
  const env = backupEnv(deps);
  const row = await getTenantBackup(deps, ctx.tenant.id, backupId);
  const tenant = await loadBackupTenant(deps.db, ctx.tenant.id);
  if (!tenant) throw notFound("Tenant not found");
  const { t } = ctx.tenant;
  const [prior] = await ctx.tenant.db.select({ v: max(t.users.sessionVersion) }).from(t.users);
  const floor = prior?.v ?? 0;
  await restoreBackup({
    db: deps.db,
    keys: keysFor(env, tenant),
    open: () => openBackup(env, row),
    targetSchema: tenant.schemaName,
    uploadsDir: uploadsDirOf(env, tenant.id),
    onProgress: (p) => Object.assign(job, { phase: p.phase, table: p.table ?? null }),
    afterLoad: async (tx) => {
      await tx.update(t.users).set({ sessionVersion: sql`greatest(${t.users.sessionVersion}, ${floor}) + 1` });
    },
  });
  await deps.principals.invalidate(tenant.id);
  await resyncTenantDue(deps, ctx);
  // Written after the restore, or the restore would erase it along with the rest of the schema.
  await writeAudit(ctx, {
    action: "backup.restore",
    entityType: "backup",
    entityId: row.id,
    details: { filename: row.filename, jobId: job.id },
  });
}
