import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { TokenService } from "@proxpanel/auth";
import { backupRuntimeFromConfig } from "@proxpanel/backup/runtime-config";
import type { Config } from "@proxpanel/config";
import { migrateAllTenants, migratePublic, type OpenedDatabase, openDatabase, TenantClientCache } from "@proxpanel/db";
import { createLogger, type Logger } from "@proxpanel/log";
import { openSharedState, type SharedState, TenantKeyRing, TenantResolver } from "@proxpanel/tenancy";
import { PrincipalCache } from "./auth/principals.ts";
import type { AppDeps } from "./deps.ts";
import { createLimiters } from "./limiters.ts";
import { closeJobHub } from "./routes/backups/backups-progress.ts";
import { reconcileTarget, startPaymentReconciler } from "./routes/payments/reconcile.ts";

/**
 * Outside production, missing JWT secrets are generated once and kept under the data directory so
 * tokens survive a restart. Production refuses to start without them (see config).
 */
export function resolveSecrets(config: Config): { tenant: string; superadmin: string; data: string; backup: string } {
  if (
    config.SAAS_TENANT_JWT_SECRET &&
    config.SAAS_SUPERADMIN_JWT_SECRET &&
    config.DATA_ENCRYPTION_KEY &&
    config.BACKUP_LICENSE_KEY
  ) {
    return {
      tenant: config.SAAS_TENANT_JWT_SECRET,
      superadmin: config.SAAS_SUPERADMIN_JWT_SECRET,
      data: config.DATA_ENCRYPTION_KEY,
      backup: config.BACKUP_LICENSE_KEY,
    };
  }
  const file = path.join(config.DATA_DIR, "secrets.json");
  let stored: { tenant?: string; superadmin?: string; data?: string; backup?: string } = {};
  if (existsSync(file)) stored = JSON.parse(readFileSync(file, "utf8")) as typeof stored;
  const secrets = {
    tenant: config.SAAS_TENANT_JWT_SECRET ?? stored.tenant ?? randomBytes(32).toString("base64url"),
    superadmin: config.SAAS_SUPERADMIN_JWT_SECRET ?? stored.superadmin ?? randomBytes(32).toString("base64url"),
    data: config.DATA_ENCRYPTION_KEY ?? stored.data ?? randomBytes(32).toString("base64url"),
    // Losing this key makes every archive of the cluster unreadable: back up secrets.json too.
    backup: config.BACKUP_LICENSE_KEY ?? stored.backup ?? randomBytes(32).toString("base64url"),
  };
  mkdirSync(config.DATA_DIR, { recursive: true });
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

export interface Runtime {
  deps: AppDeps;
  database: OpenedDatabase;
  close(): Promise<void>;
}

/** Opens the database (embedded if none is configured), migrates, and wires an API instance. */
export async function bootstrap(
  config: Config,
  opts: { logger?: Logger; state?: SharedState; migrate?: boolean } = {},
): Promise<Runtime> {
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL, config.LOG_FORMAT);
  const secrets = resolveSecrets(config);
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    embeddedPort: config.EMBEDDED_PG_PORT,
    poolMax: config.DB_POOL_MAX,
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
  });
  if (opts.migrate !== false) {
    await migratePublic(database.url);
    const report = await migrateAllTenants(database.db, { concurrency: config.MIGRATE_CONCURRENCY });
    if (report.failed.length) logger.error({ failed: report.failed }, "some tenant schemas failed to migrate");
    else if (report.migrated.length) logger.info({ migrated: report.migrated.length }, "tenant schemas migrated");
  }
  const state = opts.state ?? openSharedState(config, database.url);
  const resolver = new TenantResolver(database.db, state, {
    baseDomain: config.BASE_DOMAIN,
    ttlMs: config.RESOLVER_TTL_MS,
    negativeTtlMs: config.RESOLVER_NEGATIVE_TTL_MS,
    maxEntries: config.RESOLVER_MAX_ENTRIES,
  });
  const principals = new PrincipalCache(state);
  await Promise.all([resolver.start(), principals.start()]);
  const deps: AppDeps = {
    config,
    sql: database.sql,
    db: database.db,
    state,
    resolver,
    tenantClients: new TenantClientCache(database.sql, config.TENANT_CLIENT_CACHE_MAX),
    keys: new TenantKeyRing(database.db, secrets.data),
    tokens: new TokenService(secrets, { tenant: config.TENANT_TOKEN_TTL, superadmin: config.SUPERADMIN_TOKEN_TTL }),
    principals,
    limiters: createLimiters(state, config),
    logger,
    backup: backupRuntimeFromConfig(config, secrets.backup),
  };
  // The worker's nudges about payments left pending (routes/payments/reconcile.ts).
  const stopReconciler = await startPaymentReconciler({
    state,
    logger,
    tenant: (tenantId) => reconcileTarget(deps, tenantId),
  });
  return {
    deps,
    database,
    close: async () => {
      await Promise.all([resolver.stop(), principals.stop(), closeJobHub(deps), stopReconciler()]);
      if (!opts.state) await state.close();
      await database.close();
    },
  };
}
