import { listClusterBackups, runClusterBackup } from "@proxpanel/backup";
import { type Actor, recordSuperAdminAudit } from "@proxpanel/tenancy";
import type { AppDeps } from "../../deps.ts";

type Deps = Pick<AppDeps, "db" | "sql" | "backup" | "config">;

/** The cluster archives in the store, newest first; the store listing is the only bookkeeping. */
export async function listClusterArchives(deps: Deps) {
  const items = await listClusterBackups(deps.backup.store);
  return items.map((i) => ({ filename: i.filename, sizeBytes: i.size, createdAt: i.lastModified }));
}

/** A cluster backup now (the worker runs them on CLUSTER_BACKUP_CRON). */
export async function runClusterArchiveNow(deps: Deps, actor: Actor) {
  const result = await runClusterBackup(
    { db: deps.db, sql: deps.sql, ...deps.backup },
    { keep: deps.config.CLUSTER_BACKUP_KEEP },
  );
  await recordSuperAdminAudit(deps.db, actor, "backup.cluster", null, {
    filename: result.filename,
    bytes: result.bytes,
    uploaded: result.uploaded,
  });
  return result;
}
