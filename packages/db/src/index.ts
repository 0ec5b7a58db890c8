export * from "./client.ts";
export * from "./columns.ts";
export * from "./migrate/files.ts";
export * from "./migrate/public.ts";
export * from "./migrate/tenant.ts";
export * from "./open.ts";
export * from "./public/index.ts";
export type {
  AuditLog,
  Invoice,
  IpPool,
  NasDevice,
  NewAuditLog,
  NewTenantUser,
  NotificationTemplate,
  PermissionGroup,
  RadacctRow,
  Reseller,
  ServicePlan,
  Subscriber,
  TenantTables,
  TenantUser,
  Transaction,
} from "./tenant/factory.ts";
export { assertSchemaName, SCHEMA_NAME_RE, tenantTableNames } from "./tenant/factory.ts";
export type { BoundTenantClient, TenantDb } from "./tenant-clients.ts";
export { TenantClientCache } from "./tenant-clients.ts";
