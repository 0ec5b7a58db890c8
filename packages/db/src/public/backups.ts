import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { uuidPk } from "../columns.ts";

export const BACKUP_STATUSES = ["pending_upload", "uploaded", "failed"] as const;
export const BACKUP_KINDS = ["manual", "scheduled", "import"] as const;

/** One row per tenant archive; every list, download and delete filters on tenant_id. */
export const cloudBackups = pgTable(
  "cloud_backups",
  {
    id: uuidPk(),
    tenantId: uuid("tenant_id").notNull(),
    filename: text("filename").notNull(),
    objectKey: text("object_key").notNull(),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull().default(0),
    status: text("status", { enum: BACKUP_STATUSES }).notNull().default("pending_upload"),
    kind: text("kind", { enum: BACKUP_KINDS }).notNull().default("manual"),
    schemaVersion: integer("schema_version").notNull(),
    keyId: text("key_id").notNull(),
    sha256: text("sha256"),
    pinned: boolean("pinned").notNull().default(false),
    attempts: integer("attempts").notNull().default(0),
    error: text("error"),
    createdBy: text("created_by"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    uploadedAt: timestamp("uploaded_at", { withTimezone: true }),
    // When the retry loop may try a pending upload again (backoff grows with `attempts`).
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
  },
  (t) => [
    uniqueIndex("cloud_backups_object_key").on(t.objectKey),
    index("cloud_backups_tenant_idx").on(t.tenantId, t.createdAt),
    index("cloud_backups_pending_idx").on(t.createdAt).where(sql`${t.status} = 'pending_upload'`),
  ],
);

export const ALERT_KINDS = [
  "over_quota",
  "failing_runs",
  "staging_full",
  "upload_failing",
  "nas_silent",
  "nas_accounting_gap",
] as const;

/** Operator alerts (backup health first); open until resolved. */
export const alerts = pgTable(
  "alerts",
  {
    id: uuidPk(),
    tenantId: uuid("tenant_id"),
    kind: text("kind", { enum: ALERT_KINDS }).notNull(),
    message: text("message").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    resolvedAt: timestamp("resolved_at", { withTimezone: true }),
  },
  (t) => [index("alerts_open_idx").on(t.createdAt).where(sql`${t.resolvedAt} is null`)],
);

/**
 * The next run of every enabled schedule, kept in the registry so a scheduler tick reads only the
 * rows that are due instead of visiting every tenant schema.
 */
export const backupDue = pgTable(
  "backup_due",
  {
    tenantId: uuid("tenant_id").notNull(),
    scheduleId: uuid("schedule_id").notNull(),
    dueAt: timestamp("due_at", { withTimezone: true }).notNull(),
    // Scheduled runs that failed in a row; three raise a `failing_runs` alert.
    failures: integer("failures").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.scheduleId] }), index("backup_due_due_at_idx").on(t.dueAt)],
);

export type CloudBackup = typeof cloudBackups.$inferSelect;

export const BACKUP_JOB_KINDS = ["backup", "restore", "restore_upload"] as const;
export const BACKUP_JOB_STATUSES = ["queued", "running", "succeeded", "failed", "interrupted"] as const;
export const BACKUP_JOB_PHASES = ["queued", "dump", "upload", "verify", "load", "migrate", "done"] as const;

/**
 * Backup and restore jobs started from the API. The row, not the memory of the instance running the
 * job, is what every instance reports, so a job outlives a restart: one whose owner instance is gone
 * (its advisory lock released, see packages/backup/src/jobs/store.ts) is marked `interrupted`.
 */
export const backupJobs = pgTable(
  "backup_jobs",
  {
    id: uuidPk(),
    tenantId: uuid("tenant_id").notNull(),
    kind: text("kind", { enum: BACKUP_JOB_KINDS }).notNull(),
    status: text("status", { enum: BACKUP_JOB_STATUSES }).notNull().default("queued"),
    phase: text("phase", { enum: BACKUP_JOB_PHASES }).notNull().default("queued"),
    // The table being dumped or loaded, for the progress bar.
    tableName: text("table_name"),
    // The archive restored, or the one a backup job created (null for an uploaded archive).
    backupId: uuid("backup_id"),
    error: text("error"),
    // The API instance running the job; its lock key is derived from this id.
    ownerInstance: uuid("owner_instance").notNull(),
    startedAt: timestamp("started_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [
    index("backup_jobs_tenant_idx").on(t.tenantId, t.startedAt),
    // The start-up sweep reads only unfinished jobs.
    index("backup_jobs_open_idx").on(t.ownerInstance).where(sql`${t.status} in ('queued', 'running')`),
  ],
);

export type BackupJobRow = typeof backupJobs.$inferSelect;
