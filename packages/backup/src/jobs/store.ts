import { randomUUID } from "node:crypto";
import {
  type BACKUP_JOB_PHASES,
  type BACKUP_JOB_STATUSES,
  type BackupJobRow,
  backupJobs,
  type Db,
  type Executor,
} from "@proxpanel/db";
import { backupDuration } from "@proxpanel/metrics/backup";
import { and, desc, eq, inArray, ne, sql } from "drizzle-orm";
import type postgres from "postgres";
import { dropOrphanRestoreSchemas } from "../restore-staging.ts";

export type BackupJobKind = BackupJobRow["kind"];
export type BackupJobStatus = (typeof BACKUP_JOB_STATUSES)[number];
export type BackupJobPhase = (typeof BACKUP_JOB_PHASES)[number];

/** A job as the API reports it. */
export interface BackupJob {
  id: string;
  kind: BackupJobKind;
  tenantId: string;
  /** The archive restored or created (null until a new backup is recorded, or for an upload). */
  backupId: string | null;
  status: BackupJobStatus;
  phase: BackupJobPhase;
  table: string | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export type BackupJobPatch = Partial<Pick<BackupJob, "status" | "phase" | "table" | "error" | "backupId">>;

const OPEN: BackupJobStatus[] = ["queued", "running"];
export const jobIsOpen = (status: BackupJobStatus) => OPEN.includes(status);

export const INTERRUPTED_MESSAGE = {
  restore:
    "The API process running this restore stopped before it finished (restart or crash). Nothing was " +
    "replaced: the workspace still holds the data it had before. Start the restore again.",
  backup: "The API process running this backup stopped before it finished (restart or crash). No backup was kept.",
} as const;

/**
 * Advisory-lock class of instance locks (the two-key form, a key space apart from the one-key
 * `hashtext` locks used elsewhere); the second key is 31 bits of the instance id.
 */
const INSTANCE_LOCK_CLASS = 0x50504a42;
const lockKeyOf = (instanceId: string) => Number.parseInt(instanceId.slice(0, 8), 16) & 0x7fffffff;
/** The same key in SQL, for the owner column. */
const ownerKeySql = sql`(('x' || substr(${backupJobs.ownerInstance}::text, 1, 8))::bit(32)::bigint & 2147483647)`;

/**
 * Job state in `public.backup_jobs`, written by the instance that runs the job and read by any.
 *
 * How a dead owner is told apart from a slow one: every instance holds a session-level advisory
 * lock keyed by its instance id on one reserved connection for as long as it lives. PostgreSQL
 * releases it the moment that session ends (the process exits, is killed, or loses its connection),
 * so "the lock is not held" means "the owner is gone" at once and without a clock: no heartbeat to
 * write, no timeout to choose, no live job marked dead because its owner was busy. The same rule
 * already tells an orphaned staging schema from one a live restore is filling. Costs: one pooled
 * connection per instance that runs jobs, and it needs session-level connections (no PgBouncer in
 * transaction mode between the API and PostgreSQL). A machine that vanishes without closing its TCP
 * connection keeps its lock until the server's keepalive gives up on it.
 */
export class BackupJobStore {
  readonly instanceId = randomUUID();
  readonly #db: Db;
  readonly #sql: postgres.Sql;
  #lock: Promise<postgres.ReservedSql> | undefined;

  constructor(db: Db, sql: postgres.Sql) {
    this.#db = db;
    this.#sql = sql;
  }

  /** Takes this instance's lock (once); every job row is written after it is held. */
  open(): Promise<void> {
    this.#lock ??= (async () => {
      const conn = await this.#sql.reserve();
      await conn`select pg_advisory_lock(${INSTANCE_LOCK_CLASS}::int, ${lockKeyOf(this.instanceId)}::int)`;
      return conn;
    })();
    return this.#lock.then(() => undefined);
  }

  /** Releases the lock's connection (the process is going away; its open jobs become orphans). */
  async close(): Promise<void> {
    const conn = await this.#lock?.catch(() => undefined);
    this.#lock = undefined;
    if (!conn) return;
    await conn`select pg_advisory_unlock_all()`.catch(() => undefined);
    conn.release();
  }

  async create(init: Pick<BackupJob, "kind" | "tenantId" | "backupId">, status: BackupJobStatus): Promise<BackupJob> {
    await this.open();
    const [row] = await this.#db
      .insert(backupJobs)
      .values({ ...init, status, phase: "queued", ownerInstance: this.instanceId })
      .returning();
    if (!row) throw new Error("backup job not recorded");
    return publicJob(row);
  }

  /**
   * Writes a change of an open job (a finished or interrupted one is never reopened). `exec` may be
   * a transaction: a restore marks its job succeeded inside the swap transaction, so the row says
   * `succeeded` exactly when the new data is committed, and `interrupted` can promise nothing changed.
   */
  async update(id: string, patch: BackupJobPatch, exec: Executor = this.#db): Promise<void> {
    const done = patch.status !== undefined && !jobIsOpen(patch.status);
    await exec
      .update(backupJobs)
      .set({
        ...(patch.status ? { status: patch.status } : {}),
        ...(patch.phase ? { phase: patch.phase } : {}),
        ...(patch.table !== undefined ? { tableName: patch.table } : {}),
        ...(patch.error !== undefined ? { error: patch.error } : {}),
        ...(patch.backupId !== undefined ? { backupId: patch.backupId } : {}),
        updatedAt: sql`now()`,
        ...(done ? { finishedAt: sql`now()` } : {}),
      })
      .where(and(eq(backupJobs.id, id), inArray(backupJobs.status, OPEN)));
  }

  /** One of the tenant's jobs; an open job of an instance that is gone is marked interrupted first. */
  async get(tenantId: string, id: string): Promise<BackupJob | undefined> {
    const read = () =>
      this.#db
        .select()
        .from(backupJobs)
        .where(and(eq(backupJobs.id, id), eq(backupJobs.tenantId, tenantId)))
        .limit(1);
    const [row] = await read();
    if (!row || !jobIsOpen(row.status) || row.ownerInstance === this.instanceId) return row && publicJob(row);
    if ((await this.markOrphans(id)).length === 0) return publicJob(row);
    const [again] = await read();
    return again && publicJob(again);
  }

  /** The tenant's latest jobs of these kinds, newest first. */
  async recent(tenantId: string, kinds: BackupJobKind[], limit: number): Promise<BackupJob[]> {
    const rows = await this.#db
      .select()
      .from(backupJobs)
      .where(and(eq(backupJobs.tenantId, tenantId), inArray(backupJobs.kind, kinds)))
      .orderBy(desc(backupJobs.startedAt))
      .limit(limit);
    return rows.map(publicJob);
  }

  /**
   * Marks open jobs whose owner instance holds no lock `interrupted` (one statement, so two
   * instances sweeping at once cannot both count a job) and records them in the backup metric.
   */
  async markOrphans(onlyId?: string): Promise<BackupJob[]> {
    const ownerAlive = sql`exists (
      select 1 from pg_locks l
      where l.locktype = 'advisory' and l.granted and l.objsubid = 2
        and l.database = (select oid from pg_database where datname = current_database())
        and l.classid::bigint = ${INSTANCE_LOCK_CLASS} and l.objid::bigint = ${ownerKeySql})`;
    const rows = await this.#db
      .update(backupJobs)
      .set({
        status: "interrupted",
        error: sql`case when ${backupJobs.kind} = 'backup' then ${INTERRUPTED_MESSAGE.backup}::text
          else ${INTERRUPTED_MESSAGE.restore}::text end`,
        updatedAt: sql`now()`,
        finishedAt: sql`now()`,
      })
      .where(
        and(
          inArray(backupJobs.status, OPEN),
          ne(backupJobs.ownerInstance, this.instanceId),
          onlyId ? eq(backupJobs.id, onlyId) : undefined,
          sql`not ${ownerAlive}`,
        ),
      )
      .returning();
    for (const r of rows) {
      const operation = r.kind === "backup" ? "backup" : "restore";
      // From start to the last progress its owner wrote: the best measure left of how far it got.
      const seconds = (r.updatedAt.getTime() - r.startedAt.getTime()) / 1000;
      backupDuration.observe({ operation, outcome: "interrupted" }, Math.max(0, seconds));
    }
    return rows.map(publicJob);
  }

  /**
   * Start-up: jobs left open by instances that are gone are marked interrupted, and the staging
   * schemas of restores that died are dropped (a live restore's schema is locked and kept).
   */
  async sweep(): Promise<{ interrupted: BackupJob[]; droppedSchemas: string[] }> {
    await this.open();
    const interrupted = await this.markOrphans();
    const conn = await this.#sql.reserve();
    try {
      return { interrupted, droppedSchemas: await dropOrphanRestoreSchemas(conn) };
    } finally {
      conn.release();
    }
  }
}

export function publicJob(r: BackupJobRow): BackupJob {
  return {
    id: r.id,
    kind: r.kind,
    tenantId: r.tenantId,
    backupId: r.backupId,
    status: r.status,
    phase: r.phase,
    table: r.tableName,
    error: r.error,
    startedAt: r.startedAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}
