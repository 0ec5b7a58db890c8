import { listClusterBackups, rebuildCluster, runClusterBackup } from "@proxpanel/backup";
import { objectStoreFromConfig } from "@proxpanel/backup/runtime-config";
import { loadConfigOrExit } from "@proxpanel/config";
import { connect } from "@proxpanel/db";

// Operator commands for the cluster backup (see the operator guide, "Rebuilding a lost host"):
//   cluster-backup-cli.ts backup               one cluster backup now, to cloud_backups/cluster/
//   cluster-backup-cli.ts list                 the cluster archives in the store, newest first
//   cluster-backup-cli.ts rebuild [file]       restore public, then every tenant, into DATABASE_URL
// The store comes from S3_* (or DATA_DIR/object-store), the key from BACKUP_LICENSE_KEY.
const config = loadConfigOrExit();
const [command, arg] = process.argv.slice(2);
const licenseKey = config.BACKUP_LICENSE_KEY;
if (!licenseKey || !config.DATABASE_URL) {
  console.error("BACKUP_LICENSE_KEY and DATABASE_URL must be set.");
  process.exit(2);
}
const store = objectStoreFromConfig(config);

if (command === "rebuild") {
  const report = await rebuildCluster({
    url: config.DATABASE_URL,
    licenseKey,
    store,
    dataDir: config.DATA_DIR,
    ...(arg ? { clusterFile: arg } : {}),
    log: (line) => console.error(line),
  });
  console.log(JSON.stringify(report, null, 2));
  const failed = report.tenants.filter((t) => t.error || !t.archive);
  process.exit(failed.length ? 1 : 0);
} else if (command === "backup" || command === "list") {
  if (command === "list") {
    for (const b of await listClusterBackups(store))
      console.log(`${b.filename}\t${b.size}\t${b.lastModified.toISOString()}`);
    process.exit(0);
  }
  const database = connect(config.DATABASE_URL, { max: 2 });
  const stagingDir = config.BACKUP_STAGING_DIR ?? `${config.DATA_DIR}/backup-staging`;
  const r = await runClusterBackup(
    { db: database.db, sql: database.sql, store, licenseKey, stagingDir },
    { keep: config.CLUSTER_BACKUP_KEEP },
  );
  await database.close();
  console.log(JSON.stringify(r));
  process.exit(r.uploaded ? 0 : 1);
} else {
  console.error("usage: cluster-backup-cli.ts backup | list | rebuild [cluster-file]");
  process.exit(2);
}
