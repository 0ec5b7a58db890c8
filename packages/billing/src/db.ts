import type { TenantDb, TenantTables } from "@proxpanel/db";

/** A tenant's Drizzle instance or a transaction on it: billing steps join the caller's transaction. */
export type BillingDb = TenantDb | Parameters<Parameters<TenantDb["transaction"]>[0]>[0];

/** What every billing function works on: one tenant's tables through one connection or transaction. */
export interface BillingScope {
  db: BillingDb;
  t: TenantTables;
}
