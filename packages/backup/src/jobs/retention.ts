import fs from "node:fs/promises";
import { type CloudBackup, cloudBackups, plans, tenants } from "@proxpanel/db";
import { and, eq, getTableColumns, sql } from "drizzle-orm";
import { TenantBackupStore } from "../store/tenant.ts";
import { type BackupEnv, stagingFile } from "./env.ts";

/** Removes one archive: object (key rebuilt from tenant id + name), staging file, then the row. */
export async function removeBackup(env: BackupEnv, row: CloudBackup): Promise<void> {
  await new TenantBackupStore(env.store, row.tenantId).delete(row.filename);
  await fs.rm(stagingFile(env, row.tenantId, row.filename), { force: true });
  await env.db.delete(cloudBackups).where(and(eq(cloudBackups.id, row.id), eq(cloudBackups.tenantId, row.tenantId)));
}

/** The daily job: archives older than their tenant's plan retention go; pinned ones stay. */
export async function applyRetention(env: BackupEnv, now = new Date()): Promise<CloudBackup[]> {
  const expired = await env.db
    .select(getTableColumns(cloudBackups))
    .from(cloudBackups)
    .innerJoin(tenants, eq(tenants.id, cloudBackups.tenantId))
    .innerJoin(plans, eq(plans.code, tenants.plan))
    .where(
      and(
        eq(cloudBackups.pinned, false),
        sql`${cloudBackups.createdAt} < ${now.toISOString()}::timestamptz - make_interval(days => ${plans.backupRetentionDays})`,
      ),
    );
  for (const row of expired) await removeBackup(env, row);
  return expired;
}
