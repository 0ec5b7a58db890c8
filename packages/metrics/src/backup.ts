import { Histogram } from "prom-client";

/**
 * Backups and restores, wherever they run (the API's manual ones, the worker's schedules).
 * outcome: succeeded, failed, quota (refused by the plan's quota), interrupted (shutdown).
 */
export const backupDuration = new Histogram({
  name: "proxpanel_backup_duration_seconds",
  help: "Tenant backups and restores by operation and outcome (the _count series counts outcomes)",
  labelNames: ["operation", "outcome"] as const,
  buckets: [0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800],
});

export type BackupOperation = "backup" | "restore";
export type BackupOutcome = "succeeded" | "failed" | "quota" | "interrupted";

/** Times `work` and records its outcome; `classify` names failures that are not plain "failed". */
export async function observeBackup<T>(
  operation: BackupOperation,
  work: () => Promise<T>,
  classify: (err: unknown) => BackupOutcome = () => "failed",
): Promise<T> {
  const end = backupDuration.startTimer({ operation });
  try {
    const r = await work();
    end({ outcome: "succeeded" });
    return r;
  } catch (err) {
    end({ outcome: classify(err) });
    throw err;
  }
}
