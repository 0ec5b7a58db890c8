import { type BACKUP_FREQUENCIES, backupDue, type Executor } from "@proxpanel/db";
import { Cron } from "croner";
import { and, eq } from "drizzle-orm";

export interface ScheduleSpec {
  id: string;
  frequency: (typeof BACKUP_FREQUENCIES)[number];
  /** "HH:MM" in the tenant's timezone; hourly uses the minute only. */
  timeOfDay: string;
  /** 0 = Sunday … 6 = Saturday (weekly). */
  dayOfWeek: number | null;
  /** 1 … 28 (monthly), so every month has the day. */
  dayOfMonth: number | null;
  enabled: boolean;
}

const TIME_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;

export function cronPattern(s: Omit<ScheduleSpec, "id" | "enabled">): string {
  const m = TIME_RE.exec(s.timeOfDay);
  if (!m) throw new Error(`invalid time of day: ${JSON.stringify(s.timeOfDay)}`);
  const hour = Number(m[1]);
  const minute = Number(m[2]);
  switch (s.frequency) {
    case "hourly":
      return `${minute} * * * *`;
    case "daily":
      return `${minute} ${hour} * * *`;
    case "weekly":
      return `${minute} ${hour} * * ${s.dayOfWeek ?? 0}`;
    case "monthly":
      return `${minute} ${hour} ${s.dayOfMonth ?? 1} * *`;
  }
}

/**
 * The first run strictly after `from`, as a local wall-clock time in `timezone`. croner resolves
 * the zone's offset for that date, so DST moves the UTC instant while the local time stays put (a
 * time skipped by the spring-forward gap runs at the first valid instant after it, croner's rule).
 */
export function nextDueAt(s: Omit<ScheduleSpec, "id" | "enabled">, timezone: string, from: Date): Date {
  const next = new Cron(cronPattern(s), { timezone, paused: true }).nextRun(from);
  if (!next) throw new Error(`schedule ${cronPattern(s)} never runs again`);
  return next;
}

/** Keeps the registry's due-time index in step with one schedule (called on every schedule write). */
export async function syncScheduleDue(
  db: Executor,
  tenantId: string,
  s: ScheduleSpec,
  timezone: string,
  now = new Date(),
): Promise<Date | null> {
  if (!s.enabled) {
    await removeScheduleDue(db, tenantId, s.id);
    return null;
  }
  const dueAt = nextDueAt(s, timezone, now);
  await db
    .insert(backupDue)
    .values({ tenantId, scheduleId: s.id, dueAt })
    .onConflictDoUpdate({ target: [backupDue.tenantId, backupDue.scheduleId], set: { dueAt } });
  return dueAt;
}

export async function removeScheduleDue(db: Executor, tenantId: string, scheduleId: string): Promise<void> {
  await db.delete(backupDue).where(and(eq(backupDue.tenantId, tenantId), eq(backupDue.scheduleId, scheduleId)));
}
