import { type Db, tenants } from "@proxpanel/db";
import { and, inArray, sql } from "drizzle-orm";

/**
 * Tenants whose RADIUS sessions the worker looks after: active or suspended (a suspended tenant's
 * sessions still end), optionally only some, and only those whose schema exists: a tenant still
 * being provisioned has a registry row before its schema.
 */
export function liveTenants(db: Db, tenantIds?: string[]): Promise<{ id: string; schemaName: string }[]> {
  return db
    .select({ id: tenants.id, schemaName: tenants.schemaName })
    .from(tenants)
    .where(
      and(
        inArray(tenants.status, ["active", "suspended"]),
        tenantIds ? inArray(tenants.id, tenantIds) : undefined,
        sql`exists (select 1 from pg_namespace where nspname = ${tenants.schemaName})`,
      ),
    );
}
