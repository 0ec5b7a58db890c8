import type { InferInsertModel, InferSelectModel } from "drizzle-orm";
import { pgSchema } from "drizzle-orm/pg-core";
import { auditLogsTable } from "./audit.ts";
import { systemPreferencesTable } from "./preferences.ts";
import { permissionGroupsTable, usersTable } from "./users.ts";

// The only valid shape of a tenant schema name. Checked before a name is ever put into SQL text.
export const SCHEMA_NAME_RE = /^tenant_[a-z0-9_]{1,56}$/;

export function assertSchemaName(name: string): void {
  if (!SCHEMA_NAME_RE.test(name)) throw new Error(`invalid tenant schema name: ${JSON.stringify(name)}`);
}

/**
 * Builds the Drizzle tables of one tenant schema. Every query built from them names the schema
 * explicitly, so nothing depends on a connection's search_path.
 */
export function tenantTables(schemaName: string) {
  assertSchemaName(schemaName);
  const schema = pgSchema(schemaName);
  const permissionGroups = permissionGroupsTable(schema);
  return {
    schema,
    permissionGroups,
    users: usersTable(schema, permissionGroups),
    systemPreferences: systemPreferencesTable(schema),
    auditLogs: auditLogsTable(schema),
  };
}

export type TenantTables = ReturnType<typeof tenantTables>;
export type TenantUser = InferSelectModel<TenantTables["users"]>;
export type NewTenantUser = InferInsertModel<TenantTables["users"]>;
export type PermissionGroup = InferSelectModel<TenantTables["permissionGroups"]>;
export type AuditLog = InferSelectModel<TenantTables["auditLogs"]>;
export type NewAuditLog = InferInsertModel<TenantTables["auditLogs"]>;
