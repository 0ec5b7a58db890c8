// drizzle-kit reads this file to generate tenant migrations. The placeholder schema name is
// replaced by the real one when a migration is applied to a tenant.
import { tenantTables } from "./factory.ts";

export const TEMPLATE_SCHEMA = "tenant_template";
const t = tenantTables(TEMPLATE_SCHEMA);
export const {
  schema,
  permissionGroups,
  users,
  systemPreferences,
  auditLogs,
  servicePlans,
  subscribers,
  nasDevices,
  ipPools,
  ipAllocations,
  ipv6Pools,
  ipv6Allocations,
  wireguardPeers,
  radacct,
  traffic5m,
  traffic1h,
  usage15m,
  usageReseller15m,
  nasEvents,
  resellers,
  invoices,
  transactions,
  taxRates,
  documentCounters,
  creditNotes,
  notificationTemplates,
  notificationOutbox,
  smsSettings,
  authLogs,
  backupSchedules,
  paymentProviders,
  onlinePayments,
  voucherBatches,
  vouchers,
} = t;
