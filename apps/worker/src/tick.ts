import { type BackupEnv, BackupQuotaError, createBackup, raiseAlert } from "@proxpanel/backup";
import { nextDueAt, removeScheduleDue } from "@proxpanel/backup/due";
import { backupDue, type TenantClientCache, tenants } from "@proxpanel/db";
import { and, asc, eq, inArray, lte } from "drizzle-orm";

export interface ScheduleEnv extends BackupEnv {
  tenantClients: TenantClientCache;
}

/** Scheduled runs that fail in a row before a `failing_runs` alert. */
export const FAILING_RUNS_ALERT = 3;

export interface TickResult {
  tenantId: string;
  scheduleId: string;
  outcome: "ok" | "pending_upload" | "over_quota" | "failed" | "dropped";
}

/**
 * One scheduler tick: claims the due rows of the registry index (O(due), never a scan of tenant
 * schemas), moves each to its next occurrence before running it, so a crash mid-run skips a run
 * rather than repeating it forever, then runs the backups one after another.
 */
export async function runDueSchedules(env: ScheduleEnv, now = new Date(), limit = 20): Promise<TickResult[]> {
  const claimed = await env.db.transaction(async (tx) => {
    const due = await tx
      .select({
        tenantId: backupDue.tenantId,
        scheduleId: backupDue.scheduleId,
        failures: backupDue.failures,
        schemaName: tenants.schemaName,
        timezone: tenants.timezone,
        status: tenants.status,
      })
      .from(backupDue)
      .innerJoin(tenants, eq(tenants.id, backupDue.tenantId))
      .where(lte(backupDue.dueAt, now))
      .orderBy(asc(backupDue.dueAt))
      .limit(limit)
      .for("update", { of: backupDue, skipLocked: true });
    const out: ((typeof due)[number] & { run: boolean })[] = [];
    for (const d of due) {
      const { t, db } = env.tenantClients.get(d.schemaName);
      const [s] = await db.select().from(t.backupSchedules).where(eq(t.backupSchedules.id, d.scheduleId));
      if (!s?.enabled) {
        await removeScheduleDue(tx, d.tenantId, d.scheduleId);
        out.push({ ...d, run: false });
        continue;
      }
      const dueAt = nextDueAt(s, d.timezone, now);
      await tx
        .update(backupDue)
        .set({ dueAt })
        .where(and(eq(backupDue.tenantId, d.tenantId), eq(backupDue.scheduleId, d.scheduleId)));
      // Suspended or deleted tenants keep their schedule but are not backed up.
      out.push({ ...d, run: d.status === "active" });
    }
    return out;
  });

  const results: TickResult[] = [];
  for (const d of claimed) {
    const base = { tenantId: d.tenantId, scheduleId: d.scheduleId };
    if (!d.run) {
      results.push({ ...base, outcome: "dropped" });
      continue;
    }
    let outcome: TickResult["outcome"];
    try {
      const row = await createBackup(env, d.tenantId, { kind: "scheduled", createdBy: "schedule" });
      outcome = row.status === "uploaded" ? "ok" : "pending_upload";
    } catch (err) {
      // A quota refusal is a soft failure: recorded and counted, never retried by deleting old archives.
      outcome = err instanceof BackupQuotaError ? "over_quota" : "failed";
    }
    await recordRun(env, d, outcome);
    results.push({ ...base, outcome });
  }
  return results;
}

async function recordRun(
  env: ScheduleEnv,
  d: { tenantId: string; scheduleId: string; failures: number },
  outcome: TickResult["outcome"],
) {
  const failed = outcome === "over_quota" || outcome === "failed";
  const failures = failed ? d.failures + 1 : 0;
  await env.db
    .update(backupDue)
    .set({ failures })
    .where(and(eq(backupDue.tenantId, d.tenantId), eq(backupDue.scheduleId, d.scheduleId)));
  if (failures >= FAILING_RUNS_ALERT) {
    await raiseAlert(env.db, d.tenantId, "failing_runs", `${failures} scheduled backups failed in a row`);
  }
}

/** Due rows of the given tenants (tests and the health view). */
export async function dueRows(env: Pick<ScheduleEnv, "db">, tenantIds: string[]) {
  if (tenantIds.length === 0) return [];
  return env.db.select().from(backupDue).where(inArray(backupDue.tenantId, tenantIds));
}
