import type { BackupRuntime } from "@proxpanel/backup";
import type { Db, TenantClientCache } from "@proxpanel/db";
import type { SharedState, TenantKeyRing } from "@proxpanel/tenancy";
import type { Logger } from "pino";
import type postgres from "postgres";
import type { SystemJobDeps } from "./mail-jobs.ts";

/** What the worker's jobs run on; its own module so the jobs can name it without importing index.ts. */
export interface WorkerDeps extends Pick<SystemJobDeps, "config" | "resolver"> {
  db: Db;
  sql: postgres.Sql;
  tenantClients: TenantClientCache;
  backup: BackupRuntime;
  logger: Logger;
  /** RADIUS jobs: NAS secrets for expiry disconnects, the bus to tell daemons about freed leases. */
  keys?: Pick<TenantKeyRing, "forTenant">;
  /** Notifications: unseals tenants' SMS gateways (kept apart so it does not switch RADIUS jobs on). */
  notifyKeys?: Pick<TenantKeyRing, "forTenant">;
  state?: SharedState;
}
