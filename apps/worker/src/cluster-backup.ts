import { type ClusterBackupResult, runClusterBackup, uploadStagedClusterBackups } from "@proxpanel/backup";
import type { WorkerDeps } from "./deps.ts";

export const CLUSTER_BACKUP_CRON_DEFAULT = "15 3 * * *";

/** The worker's cluster backup run: the `public` schema to `cloud_backups/cluster/`. */
export function clusterBackupJob(deps: WorkerDeps): { pattern: string; run: () => Promise<ClusterBackupResult> } {
  const env = { db: deps.db, sql: deps.sql, ...deps.backup };
  return {
    pattern: deps.config?.CLUSTER_BACKUP_CRON ?? CLUSTER_BACKUP_CRON_DEFAULT,
    run: () => runClusterBackup(env, { keep: deps.config?.CLUSTER_BACKUP_KEEP }),
  };
}

/** Between runs, cluster archives an outage left in staging go up with the tenant retries. */
export function retryClusterUploads(deps: WorkerDeps): Promise<boolean> {
  return uploadStagedClusterBackups({ db: deps.db, sql: deps.sql, ...deps.backup });
}
