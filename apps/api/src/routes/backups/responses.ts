import { BACKUP_JOB_KINDS, BACKUP_JOB_PHASES, BACKUP_JOB_STATUSES, cloudBackups } from "@proxpanel/db";
import { z } from "zod";
import { docTables, rowSchema } from "../../openapi.ts";

/** A backup archive as listed (its storage key and encryption details stay inside). */
export const backupRow = rowSchema(cloudBackups).pick({
  id: true,
  filename: true,
  sizeBytes: true,
  sha256: true,
  status: true,
  kind: true,
  pinned: true,
  schemaVersion: true,
  attempts: true,
  error: true,
  createdAt: true,
  uploadedAt: true,
});
/** How much of the plan's backup quota the archives take. */
export const quota = z.object({ usedBytes: z.number(), limitBytes: z.number(), percent: z.number() });
export const backupList = z.object({ items: z.array(backupRow), quota });
/** A backup or restore running in the background; follow it at …/events (text/event-stream). */
export const backupJob = z.object({
  id: z.string(),
  kind: z.enum(BACKUP_JOB_KINDS),
  tenantId: z.uuid(),
  backupId: z.uuid().nullable(),
  status: z.enum(BACKUP_JOB_STATUSES),
  phase: z.enum(BACKUP_JOB_PHASES),
  table: z.string().nullable(),
  error: z.string().nullable(),
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime().nullable(),
});
export const jobBody = z.object({ job: backupJob });
export const jobList = z.object({ items: z.array(backupJob) });
/** A schedule and when it next runs (tenant's timezone applied). */
export const scheduleRow = rowSchema(docTables.backupSchedules).extend({ nextRunAt: z.iso.datetime().nullable() });
export const scheduleBody = z.object({ schedule: scheduleRow });
export const scheduleList = z.object({ items: z.array(scheduleRow) });
