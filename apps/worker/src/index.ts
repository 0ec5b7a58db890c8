import { applyRetention, backupEnv, retryPendingUploads } from "@proxpanel/backup";
import { workerJobSeconds } from "@proxpanel/metrics/worker";
import { Cron } from "croner";
import { clusterBackupJob, retryClusterUploads } from "./cluster-backup.ts";
import type { WorkerDeps } from "./deps.ts";
import { drainJobs } from "./drain.ts";
import { invoiceJobs } from "./invoice-jobs.ts";
import { systemJobs } from "./mail-jobs.ts";
import { notifyJobs } from "./notify-jobs.ts";
import { paymentJobs } from "./payment-jobs.ts";
import { radiusJobs } from "./radius-jobs.ts";
import { spareSchemaJobs } from "./spare-schemas.ts";
import { checkStagingSpace } from "./staging.ts";
import { runDueSchedules } from "./tick.ts";

export * from "./cluster-backup.ts";
export type { WorkerDeps } from "./deps.ts";
export * from "./staging.ts";
export * from "./tick.ts";

export interface RunningWorker {
  stop(): void;
  /** Stops scheduling and waits up to `ms` for runs in progress (see drain.ts). */
  drain(ms: number): Promise<{ busy: string[]; interrupted: number }>;
}

/**
 * The cron jobs: schedule tick and upload retries every minute, retention daily at 03:30 cluster
 * (process) time. `protect` skips a tick while the previous one still runs; `unref` lets the
 * process exit on shutdown without stopping them first.
 */
export function startWorker(deps: WorkerDeps): RunningWorker {
  const env = { ...backupEnv(deps), tenantClients: deps.tenantClients };
  const log = deps.logger.child({ component: "worker" });
  const cluster = clusterBackupJob(deps);
  const job = (name: string, pattern: string, fn: () => Promise<unknown>) =>
    new Cron(pattern, { name, protect: true, unref: true }, async () => {
      const end = workerJobSeconds.startTimer({ job: name });
      try {
        await fn();
        end({ outcome: "ok" });
      } catch (err) {
        end({ outcome: "failed" });
        log.error({ err, job: name }, "worker job failed");
      }
    });
  const jobs = [
    job("backup-schedules", "* * * * *", () => runDueSchedules(env)),
    job("backup-upload-retry", "* * * * *", async () => {
      await retryPendingUploads(env);
      await retryClusterUploads(deps);
      await checkStagingSpace(deps.db, deps.backup.stagingDir);
    }),
    job("cluster-backup", cluster.pattern, async () => {
      const r = await cluster.run();
      log.info({ file: r.filename, bytes: r.bytes, uploaded: r.uploaded, removed: r.removed.length }, "cluster backup");
    }),
    job("backup-retention", "30 3 * * *", async () => {
      const removed = await applyRetention(env);
      if (removed.length) log.info({ removed: removed.length }, "expired backups removed");
    }),
    // Mail relay, operator alert mails, billing grace (each only when configured).
    ...systemJobs(deps, job),
    // Stale RADIUS sessions and expiry disconnects.
    ...radiusJobs(deps, job),
    // Recurring invoices per billing cycle (tenant time), hourly and idempotent.
    ...invoiceJobs(deps, job),
    // Subscriber notifications: scanned events (expiry, quota) queued, then delivered.
    ...notifyJobs({ ...deps, keys: deps.notifyKeys ?? deps.keys }, job),
    // Online payments left pending (lost callbacks): an API instance asks the provider and settles.
    ...paymentJobs(deps, job),
    // Spare tenant schemas for onboarding to rename into place (TENANT_SPARE_SCHEMAS, plain PostgreSQL).
    ...spareSchemaJobs(deps, job),
  ];
  return {
    stop: () => {
      for (const j of jobs) j.stop();
    },
    drain: (ms) => drainJobs(jobs, ms),
  };
}
