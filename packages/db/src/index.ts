export * from "./client.ts";
export * from "./columns.ts";
export * from "./errors.ts";
export * from "./migrate/files.ts";
export * from "./migrate/public.ts";
export * from "./migrate/tenant.ts";
export * from "./open.ts";
export * from "./public/index.ts";
export { BACKUP_FREQUENCIES } from "./tenant/backups.ts";
// Value lists of tenant columns (not the table factories, which stay behind the bound client).
export type { InvoiceLine } from "./tenant/billing.ts";
export { DOCUMENT_KINDS, INVOICE_STATUSES, PAYMENT_METHODS, TRANSACTION_TYPES } from "./tenant/billing.ts";
export type {
  AuditLog,
  CreditNote,
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
  TaxRate,
  TenantTables,
  TenantUser,
  Transaction,
  Voucher,
  VoucherBatch,
} from "./tenant/factory.ts";
export { assertSchemaName, SCHEMA_NAME_RE, tenantTableNames } from "./tenant/factory.ts";
export { NAS_EVENT_KINDS, NAS_TYPES } from "./tenant/network.ts";
export { NOTIFICATION_CHANNELS, NOTIFICATION_EVENTS, OUTBOX_STATUSES, SMS_PROVIDERS } from "./tenant/notifications.ts";
export { PAYMENT_PROVIDERS, PAYMENT_PURPOSES, PAYMENT_STATUSES } from "./tenant/payments.ts";
export { FUP_ACTIONS, QUOTA_PERIODS } from "./tenant/plans.ts";
export { AUTH_RESULTS } from "./tenant/radius-log.ts";
export { BILLING_MODES, SUBSCRIBER_STATUSES } from "./tenant/subscribers.ts";
export { materialiseUsage, USAGE_KEEP_DAYS, usageSealedAt } from "./tenant/usage.ts";
export { USER_STATUSES } from "./tenant/users.ts";
export { VOUCHER_STATUSES } from "./tenant/vouchers.ts";
export type { BoundTenantClient, TenantDb } from "./tenant-clients.ts";
export { TenantClientCache } from "./tenant-clients.ts";
