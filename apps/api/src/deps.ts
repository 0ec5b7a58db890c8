import type { TokenService } from "@proxpanel/auth";
import type { BackupRuntime } from "@proxpanel/backup";
import type { Config } from "@proxpanel/config";
import type { Db, TenantClientCache } from "@proxpanel/db";
import type { SharedState, TenantKeyRing, TenantResolver } from "@proxpanel/tenancy";
import type { Logger } from "pino";
import type postgres from "postgres";
import type { PrincipalCache } from "./auth/principals.ts";
import type { Limiters } from "./limiters.ts";

/** Everything a running API instance holds; built once by bootstrap and shared by all requests. */
export interface AppDeps {
  config: Config;
  sql: postgres.Sql;
  db: Db;
  state: SharedState;
  resolver: TenantResolver;
  tenantClients: TenantClientCache;
  tokens: TokenService;
  /** Per-tenant keys for sealed secrets (PPPoE passwords, NAS secrets, WireGuard keys). */
  keys: TenantKeyRing;
  principals: PrincipalCache;
  limiters: Limiters;
  logger: Logger;
  /** Backup store (S3 or the local directory), license key and staging directory. */
  backup: BackupRuntime;
}
