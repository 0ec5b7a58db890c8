import { randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { type Readable, Transform, type TransformCallback } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  type BackupEnv,
  backupEnv,
  type KeyMaterial,
  keyId,
  keysFor,
  loadBackupTenant,
  openBackup,
  readArchiveHeader,
  restoreBackup,
  uploadsDirOf,
} from "@proxpanel/backup";
import { observeBackup } from "@proxpanel/metrics/backup";
import { max, sql } from "drizzle-orm";
import pLimit, { type LimitFunction } from "p-limit";
import type { AppDeps } from "../../deps.ts";
import { AppError, ErrorCode, notFound } from "../../errors.ts";
import { writeAudit } from "../../services/audit.ts";
import type { ServiceCtx } from "../../services/context.ts";
import { getTenantBackup } from "./backups.ts";
import { type BackupJob, jobHub } from "./backups-progress.ts";
import { resyncTenantDue } from "./backups-schedules.ts";

/** Kept for callers of the earlier name: a restore job is a backup job of kind restore. */
export type RestoreJob = BackupJob;

// One restore per tenant per instance; two instances restoring the same tenant at once serialise on
// the schema's locks inside their transactions, and the second simply restores again.
const running = new Set<string>();

type Deps = Pick<AppDeps, "db" | "sql" | "backup" | "principals" | "logger" | "state" | "config">;

/** Pooled connections one restore holds: three loading lanes, and one for the staging and swap transactions. */
const CONNECTIONS_PER_RESTORE = 4;
/** The instance's job lock keeps one pooled connection (BackupJobStore). */
const LOCK_CONNECTIONS = 1;

/**
 * Restores of different tenants on one instance take turns beyond RESTORE_CONCURRENCY, and never so
 * many at once that fewer than TENANT_CONCURRENCY connections are left for requests: without a
 * bound, a handful of simultaneous restores could hold the whole pool (and, each waiting for its
 * last connection, one another). A waiting job shows phase "queued". One queue per pool.
 */
const restoreSlots = new WeakMap<object, LimitFunction>();
function restoreSlot(deps: Deps): LimitFunction {
  let limit = restoreSlots.get(deps.db);
  if (!limit) {
    const { RESTORE_CONCURRENCY, DB_POOL_MAX, TENANT_CONCURRENCY } = deps.config;
    const fits = Math.floor((DB_POOL_MAX - LOCK_CONNECTIONS - TENANT_CONCURRENCY) / CONNECTIONS_PER_RESTORE);
    limit = pLimit(Math.max(1, Math.min(RESTORE_CONCURRENCY, fits)));
    restoreSlots.set(deps.db, limit);
  }
  return limit;
}

type JobDeps = Pick<AppDeps, "db" | "sql" | "state" | "logger">;
const RESTORE_KINDS: BackupJob["kind"][] = ["restore", "restore_upload"];

export function getRestoreJob(deps: JobDeps, tenantId: string, jobId: string): Promise<BackupJob> {
  return jobHub(deps).get(tenantId, jobId, RESTORE_KINDS);
}

/** The tenant's latest restore jobs, newest first: how the panel learns of one interrupted by a restart. */
export function listRestoreJobs(deps: JobDeps, tenantId: string): Promise<BackupJob[]> {
  return jobHub(deps).recent(tenantId, RESTORE_KINDS, 10);
}

/** Starts a restore of one of the tenant's own archives and returns at once with the job. */
export async function startRestore(deps: Deps, { ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const row = await getTenantBackup(deps, ctx.tenant.id, input.id);
  const env = backupEnv(deps);
  const tenant = await loadBackupTenant(deps.db, ctx.tenant.id);
  if (!tenant) throw notFound("Tenant not found");
  return runRestoreJob(deps, ctx, { kind: "restore", backupId: row.id }, async (onProgress, jobId) => {
    await replaceSchema(deps, ctx, {
      jobId,
      keys: keysFor(env, tenant),
      open: () => openBackup(env, row),
      onProgress,
    });
    await writeAudit(ctx, {
      action: "backup.restore",
      entityType: "backup",
      entityId: row.id,
      details: { filename: row.filename },
    });
  });
}

export interface UploadedRestoreInput {
  /** The archive, uploaded by the caller: never looked up in the store by id or name. */
  body: Readable;
  /** The source tenant's secret; used for this restore only, never stored or logged. */
  tenantSecret: string;
  /** The source cluster's license key, when the archive comes from another cluster. */
  licenseKey?: string | undefined;
}

/**
 * Restores an archive of another tenant (permission `backups.restore_from_other_tenant`, checked by
 * the route) with the source key material the caller supplies. The archive is staged to disk (the
 * restore reads it twice: verify, then load) with the plan's quota as the size limit; a key that
 * does not match the archive's key id is refused before a job starts, and the full verification runs
 * before the schema is touched.
 */
export async function startUploadedRestore(
  deps: Deps,
  { ctx, input }: { ctx: ServiceCtx; input: UploadedRestoreInput },
) {
  const env = backupEnv(deps);
  const tenant = await loadBackupTenant(deps.db, ctx.tenant.id);
  if (!tenant) throw notFound("Tenant not found");
  if (running.has(ctx.tenant.id)) throw new AppError(409, ErrorCode.conflict, "A restore is already running");
  const file = await receiveUpload(env, input.body, tenant.quotaBytes);
  try {
    const header = await readArchiveHeader(createReadStream(file)).catch((err: unknown) => {
      throw new AppError(422, ErrorCode.backupArchiveInvalid, `Not a readable backup: ${(err as Error).message}`);
    });
    const keys: KeyMaterial = {
      licenseKey: input.licenseKey ?? env.licenseKey,
      tenantId: header.tenantId,
      tenantSecret: input.tenantSecret,
    };
    if (keyId(keys) !== header.keyId) {
      // Recorded: wrong key material for another tenant's archive is worth an operator's attention.
      await writeAudit(ctx, {
        action: "backup.restore_from_other_tenant_refused",
        entityType: "backup",
        details: { sourceTenantId: header.tenantId, reason: "key_mismatch" },
      });
      throw new AppError(422, ErrorCode.backupKeyMismatch, "The key material supplied does not open this archive.");
    }
    return await runRestoreJob(
      deps,
      ctx,
      { kind: "restore_upload", backupId: null },
      async (onProgress, jobId) => {
        await replaceSchema(deps, ctx, { jobId, keys, open: () => createReadStream(file), onProgress });
        await writeAudit(ctx, {
          action: "backup.restore_from_other_tenant",
          entityType: "backup",
          details: { sourceTenantId: header.tenantId, createdAt: header.createdAt.toISOString() },
        });
      },
      () => fs.rm(file, { force: true }),
    );
  } catch (err) {
    await fs.rm(file, { force: true });
    throw err;
  }
}

class SizeLimit extends Transform {
  #bytes = 0;
  constructor(readonly limit: number) {
    super();
  }
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.limit)
      cb(new AppError(413, ErrorCode.payloadTooLarge, "The archive exceeds the plan's backup quota."));
    else cb(null, chunk);
  }
}

async function receiveUpload(env: BackupEnv, body: Readable, limit: number): Promise<string> {
  const dir = path.join(path.resolve(env.stagingDir), "incoming");
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, `${randomUUID()}.proisp.bak`);
  try {
    await pipeline(body, new SizeLimit(limit), createWriteStream(file, { flags: "wx", mode: 0o600 }));
  } catch (err) {
    await fs.rm(file, { force: true });
    throw err;
  }
  return file;
}

type Progress = NonNullable<Parameters<typeof restoreBackup>[0]["onProgress"]>;

async function runRestoreJob(
  deps: Deps,
  ctx: ServiceCtx,
  init: Pick<BackupJob, "kind" | "backupId">,
  work: (onProgress: Progress, jobId: string) => Promise<void>,
  cleanup?: () => Promise<void>,
): Promise<BackupJob> {
  if (running.has(ctx.tenant.id)) throw new AppError(409, ErrorCode.conflict, "A restore is already running");
  running.add(ctx.tenant.id);
  const hub = jobHub(deps);
  let job: BackupJob;
  try {
    // Queued until a restore slot is free (restoreSlot); the row says so, for every instance.
    job = await hub.start({ ...init, tenantId: ctx.tenant.id }, "queued");
  } catch (err) {
    running.delete(ctx.tenant.id);
    throw err;
  }
  const onProgress: Progress = (p) => void hub.update(job.id, { phase: p.phase, table: p.table ?? null });
  restoreSlot(deps)(async () => {
    await hub.update(job.id, { status: "running" });
    return observeBackup("restore", () => work(onProgress, job.id));
  })
    .then(
      () => hub.update(job.id, { status: "succeeded", phase: "done", table: null }),
      (err: unknown) => {
        deps.logger.warn({ err, tenantId: ctx.tenant.id, jobId: job.id }, "restore failed");
        return hub.update(job.id, { status: "failed", error: err instanceof Error ? err.message : String(err) });
      },
    )
    .finally(async () => {
      running.delete(ctx.tenant.id);
      await cleanup?.().catch(() => undefined);
    });
  return job;
}

/**
 * Verify, then replace the schema in one transaction whose last statement ends every session:
 * session versions go above anything a token issued before the restore can carry, so a restored
 * (older) version can never revive a token that "log out everywhere" had killed.
 */
async function replaceSchema(
  deps: Deps,
  ctx: ServiceCtx,
  opts: { jobId: string; keys: KeyMaterial; open: () => Readable | Promise<Readable>; onProgress: Progress },
) {
  const env = backupEnv(deps);
  const tenant = await loadBackupTenant(deps.db, ctx.tenant.id);
  if (!tenant) throw notFound("Tenant not found");
  const { t } = ctx.tenant;
  const [prior] = await ctx.tenant.db.select({ v: max(t.users.sessionVersion) }).from(t.users);
  const floor = prior?.v ?? 0;
  await restoreBackup({
    db: deps.db,
    keys: opts.keys,
    open: opts.open,
    targetSchema: tenant.schemaName,
    uploadsDir: uploadsDirOf(env, tenant.id),
    onProgress: opts.onProgress,
    afterLoad: async (tx) => {
      await tx.update(t.users).set({ sessionVersion: sql`greatest(${t.users.sessionVersion}, ${floor}) + 1` });
      // The job's row commits with the swap: "interrupted" can then always mean "nothing replaced".
      await jobHub(deps).updateIn(tx, opts.jobId, { status: "succeeded", phase: "done", table: null });
    },
  });
  await deps.principals.invalidate(tenant.id);
  await resyncTenantDue(deps, ctx);
}
