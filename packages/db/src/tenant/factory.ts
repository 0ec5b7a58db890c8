import { getTableName, type InferInsertModel, type InferSelectModel } from "drizzle-orm";
import { pgSchema } from "drizzle-orm/pg-core";
import { auditLogsTable } from "./audit.ts";
import { backupSchedulesTable } from "./backups.ts";
import {
  creditNotesTable,
  documentCountersTable,
  invoicesTable,
  resellersTable,
  taxRatesTable,
  transactionsTable,
} from "./billing.ts";
import {
  ipAllocationsTable,
  ipPoolsTable,
  ipv6AllocationsTable,
  ipv6PoolsTable,
  nasDevicesTable,
  nasEventsTable,
  wireguardPeersTable,
} from "./network.ts";
import { notificationOutboxTable, notificationTemplatesTable, smsSettingsTable } from "./notifications.ts";
import { onlinePaymentsTable, paymentProvidersTable } from "./payments.ts";
import { servicePlansTable } from "./plans.ts";
import { systemPreferencesTable } from "./preferences.ts";
import { authLogsTable } from "./radius-log.ts";
import { radacctTable, traffic1hTable, traffic5mTable, usage15mTable, usageReseller15mTable } from "./sessions.ts";
import { subscribersTable } from "./subscribers.ts";
import { permissionGroupsTable, usersTable } from "./users.ts";
import { voucherBatchesTable, vouchersTable } from "./vouchers.ts";

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
    servicePlans: servicePlansTable(schema),
    subscribers: subscribersTable(schema),
    nasDevices: nasDevicesTable(schema),
    ipPools: ipPoolsTable(schema),
    ipAllocations: ipAllocationsTable(schema),
    ipv6Pools: ipv6PoolsTable(schema),
    ipv6Allocations: ipv6AllocationsTable(schema),
    wireguardPeers: wireguardPeersTable(schema),
    radacct: radacctTable(schema),
    traffic5m: traffic5mTable(schema),
    traffic1h: traffic1hTable(schema),
    usage15m: usage15mTable(schema),
    usageReseller15m: usageReseller15mTable(schema),
    nasEvents: nasEventsTable(schema),
    resellers: resellersTable(schema),
    invoices: invoicesTable(schema),
    transactions: transactionsTable(schema),
    taxRates: taxRatesTable(schema),
    documentCounters: documentCountersTable(schema),
    creditNotes: creditNotesTable(schema),
    notificationTemplates: notificationTemplatesTable(schema),
    notificationOutbox: notificationOutboxTable(schema),
    smsSettings: smsSettingsTable(schema),
    authLogs: authLogsTable(schema),
    backupSchedules: backupSchedulesTable(schema),
    paymentProviders: paymentProvidersTable(schema),
    onlinePayments: onlinePaymentsTable(schema),
    voucherBatches: voucherBatchesTable(schema),
    vouchers: vouchersTable(schema),
  };
}

export type TenantTables = ReturnType<typeof tenantTables>;
export type TenantUser = InferSelectModel<TenantTables["users"]>;
export type NewTenantUser = InferInsertModel<TenantTables["users"]>;
export type PermissionGroup = InferSelectModel<TenantTables["permissionGroups"]>;
export type AuditLog = InferSelectModel<TenantTables["auditLogs"]>;
export type NewAuditLog = InferInsertModel<TenantTables["auditLogs"]>;
export type ServicePlan = InferSelectModel<TenantTables["servicePlans"]>;
export type Subscriber = InferSelectModel<TenantTables["subscribers"]>;
export type NasDevice = InferSelectModel<TenantTables["nasDevices"]>;
export type IpPool = InferSelectModel<TenantTables["ipPools"]>;
export type Ipv6Pool = InferSelectModel<TenantTables["ipv6Pools"]>;
export type Reseller = InferSelectModel<TenantTables["resellers"]>;
export type Invoice = InferSelectModel<TenantTables["invoices"]>;
export type Transaction = InferSelectModel<TenantTables["transactions"]>;
export type TaxRate = InferSelectModel<TenantTables["taxRates"]>;
export type CreditNote = InferSelectModel<TenantTables["creditNotes"]>;
export type RadacctRow = InferSelectModel<TenantTables["radacct"]>;
export type OnlinePayment = InferSelectModel<TenantTables["onlinePayments"]>;
export type NotificationTemplate = InferSelectModel<TenantTables["notificationTemplates"]>;
export type VoucherBatch = InferSelectModel<TenantTables["voucherBatches"]>;
export type Voucher = InferSelectModel<TenantTables["vouchers"]>;

/** Names of every table a tenant schema holds (without the migrations tracking table), sorted. */
export function tenantTableNames(): string[] {
  const { schema: _schema, ...tables } = tenantTables("tenant_template");
  return Object.values(tables)
    .map((t) => getTableName(t))
    .sort();
}
