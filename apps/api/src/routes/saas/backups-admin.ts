import { BackupQuotaError, backupEnv, createBackup, dryRunRestore } from "@proxpanel/backup";
import { alerts, cloudBackups, plans, tenants } from "@proxpanel/db";
import { type Actor, recordSuperAdminAudit } from "@proxpanel/tenancy";
import { and, desc, eq, isNull, ne, sql } from "drizzle-orm";
import type { AppDeps } from "../../deps.ts";
import { notFound } from "../../errors.ts";
import { publicBackup, quotaError } from "../backups/backups.ts";

type Deps = Pick<AppDeps, "db" | "sql" | "backup">;

/** One row per tenant: last backup, bytes used against the plan quota, open alerts. */
export async function backupHealth(deps: Deps) {
  const lastAt = sql<Date | null>`max(${cloudBackups.createdAt})`;
  const rows = await deps.db
    .select({
      tenantId: tenants.id,
      slug: tenants.slug,
      plan: tenants.plan,
      quotaBytes: plans.backupQuotaBytes,
      usedBytes: sql<string>`coalesce(sum(${cloudBackups.sizeBytes}) filter (where ${cloudBackups.status} <> 'failed'), 0)::text`,
      lastBackupAt: lastAt,
      pendingUploads: sql<number>`count(*) filter (where ${cloudBackups.status} = 'pending_upload')::int`,
      openAlerts: sql<number>`(select count(*)::int from ${alerts} where ${alerts.tenantId} = ${tenants.id} and ${alerts.resolvedAt} is null)`,
    })
    .from(tenants)
    .innerJoin(plans, eq(plans.code, tenants.plan))
    .leftJoin(cloudBackups, eq(cloudBackups.tenantId, tenants.id))
    .where(ne(tenants.status, "deleted"))
    .groupBy(tenants.id, plans.code)
    .orderBy(tenants.slug);
  return rows.map((r) => {
    const used = Number(r.usedBytes);
    return { ...r, usedBytes: used, percent: r.quotaBytes > 0 ? Math.round((used / r.quotaBytes) * 1000) / 10 : 100 };
  });
}

async function getBackup(deps: Deps, id: string) {
  const [row] = await deps.db.select().from(cloudBackups).where(eq(cloudBackups.id, id)).limit(1);
  if (!row) throw notFound("Backup not found");
  return row;
}

export async function setPinned(deps: Deps, actor: Actor, id: string, pinned: boolean) {
  return deps.db.transaction(async (tx) => {
    const [row] = await tx.update(cloudBackups).set({ pinned }).where(eq(cloudBackups.id, id)).returning();
    if (!row) throw notFound("Backup not found");
    await recordSuperAdminAudit(tx, actor, pinned ? "backup.pin" : "backup.unpin", row.tenantId, { backupId: id });
    return publicBackup(row);
  });
}

export async function forceBackup(deps: Deps, actor: Actor, tenantId: string) {
  const [tenant] = await deps.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId));
  if (!tenant) throw notFound("Tenant not found");
  try {
    const row = await createBackup(backupEnv(deps), tenantId, {
      kind: "manual",
      createdBy: `superadmin:${actor.label}`,
    });
    await recordSuperAdminAudit(deps.db, actor, "backup.force", tenantId, { backupId: row.id, status: row.status });
    return publicBackup(row);
  } catch (err) {
    if (err instanceof BackupQuotaError) throw quotaError(err);
    throw err;
  }
}

export async function dryRun(deps: Deps, actor: Actor, id: string) {
  const row = await getBackup(deps, id);
  const report = await dryRunRestore(backupEnv(deps), row);
  await recordSuperAdminAudit(deps.db, actor, "backup.dry_run", row.tenantId, { backupId: id, ok: report.ok });
  return report;
}

export async function listAlerts(deps: Deps, input: { open: boolean; tenantId?: string | undefined }) {
  const filters = [
    ...(input.open ? [isNull(alerts.resolvedAt)] : []),
    ...(input.tenantId ? [eq(alerts.tenantId, input.tenantId)] : []),
  ];
  return deps.db
    .select()
    .from(alerts)
    .where(filters.length ? and(...filters) : undefined)
    .orderBy(desc(alerts.createdAt))
    .limit(500);
}

export async function resolveAlert(deps: Deps, actor: Actor, id: string) {
  return deps.db.transaction(async (tx) => {
    const [row] = await tx
      .update(alerts)
      .set({ resolvedAt: sql`coalesce(${alerts.resolvedAt}, now())` })
      .where(eq(alerts.id, id))
      .returning();
    if (!row) throw notFound("Alert not found");
    await recordSuperAdminAudit(tx, actor, "alert.resolve", row.tenantId, { alertId: id, kind: row.kind });
    return row;
  });
}
