import { applyRetention, type BackupRuntime, backupEnv, retryPendingUploads } from "@proxpanel/backup";
import type { Db, TenantClientCache } from "@proxpanel/db";
import { Cron } from "croner";
import type { Logger } from "pino";
import type postgres from "postgres";
import { checkStagingSpace } from "./staging.ts";
import { runDueSchedules } from "./tick.ts";

export * from "./due.ts";
export * from "./staging.ts";
export * from "./store.ts";
export * from "./tick.ts";

export interface WorkerDeps {
  db: Db;
  sql: postgres.Sql;
  tenantClients: TenantClientCache;
  backup: BackupRuntime;
  logger: Logger;
}

export interface RunningWorker {
  stop(): void;
}

/**
 * The cron jobs: schedule tick and upload retries every minute, retention daily at 03:30 cluster
 * (process) time. `protect` skips a tick while the previous one still runs; `unref` lets the
 * process exit on shutdown without stopping them first.
 */
export function startWorker(deps: WorkerDeps): RunningWorker {
  const env = { ...backupEnv(deps), tenantClients: deps.tenantClients };
  const log = deps.logger.child({ component: "worker" });
  const job = (name: string, pattern: string, fn: () => Promise<unknown>) =>
    new Cron(pattern, { name, protect: true, unref: true }, async () => {
      try {
        await fn();
      } catch (err) {
        log.error({ err, job: name }, "worker job failed");
      }
    });
  const jobs = [
    job("backup-schedules", "* * * * *", () => runDueSchedules(env)),
    job("backup-upload-retry", "* * * * *", async () => {
      await retryPendingUploads(env);
      await checkStagingSpace(deps.db, deps.backup.stagingDir);
    }),
    job("backup-retention", "30 3 * * *", async () => {
      const removed = await applyRetention(env);
      if (removed.length) log.info({ removed: removed.length }, "expired backups removed");
    }),
  ];
  return {
    stop: () => {
      for (const j of jobs) j.stop();
    },
  };
}
