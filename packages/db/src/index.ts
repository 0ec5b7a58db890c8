export * from "./client.ts";
export * from "./columns.ts";
export * from "./migrate/files.ts";
export * from "./migrate/public.ts";
export * from "./migrate/tenant.ts";
export * from "./open.ts";
export * from "./public/index.ts";
export type {
  AuditLog,
  NewAuditLog,
  NewTenantUser,
  PermissionGroup,
  TenantTables,
  TenantUser,
} from "./tenant/factory.ts";
export { assertSchemaName, SCHEMA_NAME_RE } from "./tenant/factory.ts";
export type { BoundTenantClient, TenantDb } from "./tenant-clients.ts";
export { TenantClientCache } from "./tenant-clients.ts";
