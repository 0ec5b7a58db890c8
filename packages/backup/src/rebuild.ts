import { type CloudBackup, cloudBackups, connect, migratePublic, tenants } from "@proxpanel/db";
import { eq, inArray } from "drizzle-orm";
import { readArchiveHeader } from "./archive.ts";
import { listClusterBackups, restoreClusterArchive } from "./cluster.ts";
import { keysFor, uploadsDirOf } from "./jobs/env.ts";
import { restoreBackup } from "./restore.ts";
import type { ObjectStore } from "./store/object-store.ts";
import { TenantBackupStore } from "./store/tenant.ts";

export interface RebuildOptions {
  /** The new, empty database. */
  url: string;
  licenseKey: string;
  /** The store holding `cloud_backups/cluster/` and every `cloud_backups/tenant_<id>/`. */
  store: ObjectStore;
  /** DATA_DIR of the new host: tenant uploads are restored under `<dataDir>/uploads/tenant_<id>`. */
  dataDir: string;
  /** A cluster archive by file name; the newest in the store when absent. */
  clusterFile?: string;
  log?: (line: string) => void;
}

export interface RebuiltTenant {
  id: string;
  slug: string;
  /** The archive restored, or null when the store holds none for this tenant. */
  archive: string | null;
  schemaVersion: number | null;
  error: string | null;
}

export interface RebuildReport {
  clusterArchive: string;
  registryRows: Record<string, number>;
  tenants: RebuiltTenant[];
  /** Archives found in the store but absent from the restored registry, now recorded there. */
  registered: number;
}

/**
 * Rebuilds a lost host from the object store: migrates the new database's registry, restores
 * `public` from the newest (or named) cluster archive, then every tenant that is not deleted from
 * the newest archive in its own prefix, with the tenant key rebuilt from the license key and the
 * restored registry's secret. Archives made after the cluster backup are recorded in the registry,
 * so the newest one is both what is restored and what the tenant sees. A tenant without an archive
 * is reported, not created empty: an empty schema would hide the loss.
 */
export async function rebuildCluster(opts: RebuildOptions): Promise<RebuildReport> {
  const log = opts.log ?? (() => {});
  const archives = await listClusterBackups(opts.store);
  const chosen = opts.clusterFile ? archives.find((a) => a.filename === opts.clusterFile) : archives[0];
  if (!chosen)
    throw new Error(
      opts.clusterFile ? `no cluster backup named ${opts.clusterFile}` : "no cluster backup in the store",
    );
  log(`registry: migrating, then restoring ${chosen.filename}`);
  await migratePublic(opts.url);
  const database = connect(opts.url, { max: 4 });
  try {
    const verified = await restoreClusterArchive({
      db: database.db,
      licenseKey: opts.licenseKey,
      open: () => opts.store.get(chosen.key),
    });
    const registryRows = Object.fromEntries(verified.manifest.tables.map((t) => [t.name, t.rows]));
    const env = { licenseKey: opts.licenseKey, dataDir: opts.dataDir };
    const list = await database.db.select().from(tenants).orderBy(tenants.slug);
    const report: RebuildReport = { clusterArchive: chosen.filename, registryRows, tenants: [], registered: 0 };
    for (const t of list.filter((t) => t.status !== "deleted")) {
      const store = new TenantBackupStore(opts.store, t.id);
      const objects = (await store.list()).sort((a, b) => (a.filename < b.filename ? 1 : -1));
      report.registered += await registerMissing(database.db, opts.store, t.id, objects);
      const newest = objects[0];
      if (!newest) {
        log(`tenant ${t.slug}: no archive in the store`);
        report.tenants.push({ id: t.id, slug: t.slug, archive: null, schemaVersion: null, error: null });
        continue;
      }
      try {
        const restored = await restoreBackup({
          db: database.db,
          keys: keysFor(env, t),
          open: () => store.get(newest.filename),
          targetSchema: t.schemaName,
          uploadsDir: uploadsDirOf(env, t.id),
        });
        await database.db.update(tenants).set({ schemaVersion: restored.schemaVersion }).where(eq(tenants.id, t.id));
        log(`tenant ${t.slug}: restored ${newest.filename}`);
        report.tenants.push({
          id: t.id,
          slug: t.slug,
          archive: newest.filename,
          schemaVersion: restored.schemaVersion,
          error: null,
        });
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        log(`tenant ${t.slug}: FAILED ${error}`);
        report.tenants.push({ id: t.id, slug: t.slug, archive: newest.filename, schemaVersion: null, error });
      }
    }
    return report;
  } finally {
    await database.close();
  }
}

async function registerMissing(
  db: ReturnType<typeof connect>["db"],
  store: ObjectStore,
  tenantId: string,
  objects: { filename: string; size: number; lastModified: Date }[],
): Promise<number> {
  if (objects.length === 0) return 0;
  const known = new Set(
    (
      await db
        .select({ filename: cloudBackups.filename })
        .from(cloudBackups)
        .where(
          inArray(
            cloudBackups.filename,
            objects.map((o) => o.filename),
          ),
        )
    ).map((r) => r.filename),
  );
  const tenantStore = new TenantBackupStore(store, tenantId);
  const rows: (typeof cloudBackups.$inferInsert)[] = [];
  for (const o of objects.filter((o) => !known.has(o.filename))) {
    const header = await readArchiveHeader(await tenantStore.get(o.filename));
    rows.push({
      tenantId,
      filename: o.filename,
      objectKey: `cloud_backups/tenant_${tenantId}/${o.filename}`,
      sizeBytes: o.size,
      status: "uploaded",
      kind: "scheduled",
      schemaVersion: header.schemaVersion,
      keyId: header.keyId,
      createdBy: "rebuild",
      createdAt: header.createdAt,
      uploadedAt: o.lastModified,
    } satisfies Partial<CloudBackup>);
  }
  if (rows.length) await db.insert(cloudBackups).values(rows);
  return rows.length;
}
