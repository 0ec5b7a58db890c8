import { cloudBackups, tenants } from "@proxpanel/db";
import { desc, eq } from "drizzle-orm";
import type { AppDeps } from "../../deps.ts";
import { notFound } from "../../errors.ts";
import { publicBackup } from "../backups/backups.ts";

/** One tenant's archives for the console (at most the newest 200: retention keeps far fewer). */
export async function listTenantBackups(deps: Pick<AppDeps, "db">, tenantId: string) {
  const [tenant] = await deps.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId));
  if (!tenant) throw notFound("Tenant not found");
  const rows = await deps.db
    .select()
    .from(cloudBackups)
    .where(eq(cloudBackups.tenantId, tenantId))
    .orderBy(desc(cloudBackups.createdAt))
    .limit(200);
  return rows.map(publicBackup);
}
