import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { backupRuntimeFromConfig } from "@proxpanel/backup/runtime-config";
import { loadConfigOrExit } from "@proxpanel/config";
import { openDatabase, TenantClientCache } from "@proxpanel/db";
import { createLogger } from "@proxpanel/log";
import { openSharedState, TenantKeyRing, TenantResolver } from "@proxpanel/tenancy";
import { startWorker } from "./index.ts";
import { startWorkerMetrics } from "./metrics.ts";

// The worker on its own (`npm start` already runs it inside the API process). It does not migrate:
// the API owns migrations and generates the development secrets this reads.
const config = loadConfigOrExit();

function licenseKey(): string {
  if (config.BACKUP_LICENSE_KEY) return config.BACKUP_LICENSE_KEY;
  const file = path.join(config.DATA_DIR, "secrets.json");
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { backup?: string }) : {};
  if (!stored.backup) {
    console.error("BACKUP_LICENSE_KEY is not set and the API has not generated one yet (start the API once).");
    process.exit(1);
  }
  return stored.backup;
}

// Tenants' sealed secrets (their SMS gateways): the key the API generated, as for the license key.
function dataKey(): string | null {
  if (config.DATA_ENCRYPTION_KEY) return config.DATA_ENCRYPTION_KEY;
  const file = path.join(config.DATA_DIR, "secrets.json");
  const stored = existsSync(file) ? (JSON.parse(readFileSync(file, "utf8")) as { data?: unknown }) : {};
  return typeof stored.data === "string" ? stored.data : null;
}

const logger = createLogger(config.LOG_LEVEL, config.LOG_FORMAT);
const database = await openDatabase({
  url: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  embeddedPort: config.EMBEDDED_PG_PORT,
  poolMax: 4,
  statementTimeoutMs: 0,
});
// The billing grace job suspends tenants: its resolver announces that on the shared bus (Redis),
// so every API instance drops the cached tenant at once.
const state = openSharedState(config, database.url);
const resolver = new TenantResolver(database.db, state, {
  baseDomain: config.BASE_DOMAIN,
  ttlMs: config.RESOLVER_TTL_MS,
  negativeTtlMs: config.RESOLVER_NEGATIVE_TTL_MS,
  maxEntries: 100,
});
const dataKeyValue = dataKey();
const worker = startWorker({
  db: database.db,
  sql: database.sql,
  tenantClients: new TenantClientCache(database.sql, 100),
  backup: backupRuntimeFromConfig(config, licenseKey()),
  logger,
  config,
  resolver,
  // The bus: RADIUS daemons hear of suspensions and freed leases, the API of payments to reconcile.
  state,
  ...(dataKeyValue ? { notifyKeys: new TenantKeyRing(database.db, dataKeyValue) } : {}),
});
logger.info("backup worker running");
const { stagingDir } = backupRuntimeFromConfig(config, licenseKey());
const metrics = await startWorkerMetrics(config, { db: database.db, state, stagingDir });
if (metrics) logger.info({ port: metrics.port, host: config.METRICS_HOST }, "metrics listening");
// The jobs' timers are unref'd (they must not hold up a process that embeds the worker), so its
// own process stays alive on this one until a signal arrives.
const keepAlive = setInterval(() => {}, 60_000);

async function shutdown() {
  clearInterval(keepAlive);
  const drained = await worker.drain(config.SHUTDOWN_DRAIN_MS);
  // An aborted dump's stream may still error when the pool closes under it: we are exiting anyway.
  process.on("uncaughtException", (err) => logger.warn({ err: String(err) }, "error during shutdown"));
  if (drained.busy.length || drained.interrupted) logger.warn(drained, "worker stopped with work unfinished");
  await metrics?.close();
  await state.close();
  await database.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown());
process.on("SIGTERM", () => void shutdown());
