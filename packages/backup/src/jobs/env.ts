import path from "node:path";
import { type Db, plans, tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import type postgres from "postgres";
import type { KeyMaterial } from "../keys.ts";
import type { ObjectStore } from "../store/object-store.ts";
import { assertBackupFilename, tenantPrefix } from "../store/tenant.ts";

/** Built once at start-up from the configuration (the API keeps it as `deps.backup`). */
export interface BackupRuntime {
  store: ObjectStore;
  licenseKey: string;
  /** Archives wait here until they are uploaded. */
  stagingDir: string;
  /** DATA_DIR: tenant uploads live in `<dataDir>/uploads/tenant_<id>`. */
  dataDir: string;
}

/** What the backup jobs need; the API's deps and the worker both provide it. */
export interface BackupEnv extends BackupRuntime {
  db: Db;
  sql: postgres.Sql;
}

export function backupEnv(deps: { db: Db; sql: postgres.Sql; backup: BackupRuntime }): BackupEnv {
  return { ...deps.backup, db: deps.db, sql: deps.sql };
}

export interface BackupTenant {
  id: string;
  slug: string;
  schemaName: string;
  secret: string;
  timezone: string;
  plan: string;
  quotaBytes: number;
  retentionDays: number;
  hourlyBackups: boolean;
}

export async function loadBackupTenant(db: Db, tenantId: string): Promise<BackupTenant | undefined> {
  const [row] = await db
    .select({
      id: tenants.id,
      slug: tenants.slug,
      schemaName: tenants.schemaName,
      secret: tenants.secret,
      timezone: tenants.timezone,
      plan: tenants.plan,
      quotaBytes: plans.backupQuotaBytes,
      retentionDays: plans.backupRetentionDays,
      hourlyBackups: plans.hourlyBackups,
    })
    .from(tenants)
    .innerJoin(plans, eq(plans.code, tenants.plan))
    .where(eq(tenants.id, tenantId))
    .limit(1);
  return row;
}

export function keysFor(env: Pick<BackupEnv, "licenseKey">, tenant: Pick<BackupTenant, "id" | "secret">): KeyMaterial {
  return { licenseKey: env.licenseKey, tenantId: tenant.id, tenantSecret: tenant.secret };
}

/** `<staging>/tenant_<id>/<filename>`: built from checked parts only, like the object key. */
export function stagingFile(env: Pick<BackupEnv, "stagingDir">, tenantId: string, filename: string): string {
  assertBackupFilename(filename);
  return path.join(path.resolve(env.stagingDir), ...tenantPrefix(tenantId).split("/").filter(Boolean), filename);
}

export function uploadsDirOf(env: Pick<BackupEnv, "dataDir">, tenantId: string): string {
  // tenantPrefix validates the id, so the directory name cannot escape `uploads/`.
  tenantPrefix(tenantId);
  return path.resolve(env.dataDir, "uploads", `tenant_${tenantId}`);
}
