import { randomBytes } from "node:crypto";
import path from "node:path";
import type { Readable } from "node:stream";
import { tenantDataKey } from "@proxpanel/auth";
import { type Db, latestTenantVersion, PG_UNIQUE_VIOLATION, pgError, type Tx, tenants } from "@proxpanel/db";
import { onboardTenant, SYSTEM_ACTOR, type TenantResolver } from "@proxpanel/tenancy";
import { eq } from "drizzle-orm";
import { PostgresJsSession } from "drizzle-orm/postgres-js/session";
import type postgres from "postgres";
import { readArchiveHeader } from "../archive.ts";
import { q } from "../contents.ts";
import { restoreBackup } from "../restore.ts";
import { nasRoutesSql, resealSchema } from "./reseal.ts";

export interface ImportOptions {
  db: Db;
  sql: postgres.Sql;
  resolver?: TenantResolver;
  /** Slug of the tenant on this cluster; created through onboarding when missing. */
  slug: string;
  /** Opens the `.proisp.bak`; called more than once, so it must give the same bytes each time. */
  open: () => Readable;
  /** The source's key material (the tenant id comes from the archive header). */
  source: { licenseKey: string; tenantSecret: string; dataKey: string };
  /** This cluster's data key, under which the sealed columns are sealed again. */
  clusterDataKey: string;
  /** DATA_DIR of this cluster: uploads go to `<dataDir>/uploads/tenant_<id>`. */
  dataDir?: string;
  onProgress?: (phase: "onboard" | "verify" | "load" | "migrate" | "reseal" | "done") => void;
}

export interface ImportReport {
  tenantId: string;
  schemaName: string;
  created: boolean;
  sourceTenantId: string;
  schemaVersion: number;
  tables: { name: string; archive: number; imported: number }[];
  resealed: Record<string, number>;
  /** True when every table holds exactly the manifest's row count. */
  matches: boolean;
}

function rawClient(db: Tx): postgres.TransactionSql {
  const session = db._.session;
  if (!(session instanceof PostgresJsSession)) throw new Error("import needs the postgres-js Drizzle driver");
  const client: postgres.TransactionSql = session.client;
  return client;
}

/**
 * Loads an archive from another cluster or a standalone install into a tenant of this one, through
 * the backup restore path (verified end to end first, then one transaction). Sealed columns are
 * re-sealed for this cluster inside that transaction. A tenant created here is removed again if
 * the load fails, so a failed import leaves nothing behind.
 */
export async function importArchive(opts: ImportOptions): Promise<ImportReport> {
  const header = await readArchiveHeader(opts.open());
  let created = false;
  let [target] = await opts.db.select().from(tenants).where(eq(tenants.slug, opts.slug)).limit(1);
  if (!target) {
    opts.onProgress?.("onboard");
    target = await onboardTenant(
      { db: opts.db, ...(opts.resolver ? { resolver: opts.resolver } : {}) },
      {
        slug: opts.slug,
        companyName: opts.slug,
        plan: "starter",
        // Replaced by the archive's own users a moment later.
        adminEmail: `owner@${opts.slug}.invalid`,
        adminPassword: randomBytes(24).toString("base64url"),
      },
      SYSTEM_ACTOR,
    );
    created = true;
  }
  const t = target;
  const from = tenantDataKey(opts.source.dataKey, header.tenantId, opts.source.tenantSecret);
  const to = tenantDataKey(opts.clusterDataKey, t.id, t.secret);
  let resealed: Record<string, number> = {};
  try {
    const summary = await restoreBackup({
      db: opts.db,
      keys: { licenseKey: opts.source.licenseKey, tenantId: header.tenantId, tenantSecret: opts.source.tenantSecret },
      open: opts.open,
      targetSchema: t.schemaName,
      ...(opts.dataDir ? { uploadsDir: path.resolve(opts.dataDir, "uploads", `tenant_${t.id}`) } : {}),
      onProgress: (p) => {
        if (p.table === undefined) opts.onProgress?.(p.phase);
      },
      afterLoad: async (tx) => {
        opts.onProgress?.("reseal");
        const raw = rawClient(tx);
        resealed = await resealSchema(raw, t.schemaName, from, to);
        try {
          for (const stmt of nasRoutesSql(t.schemaName, t.id)) await raw.unsafe(stmt);
        } catch (err) {
          const e = pgError(err);
          if (e?.code === PG_UNIQUE_VIOLATION && e.constraint_name?.startsWith("nas_routes")) {
            throw new Error(
              `a NAS of this archive (same id, or same address and identifier) already belongs to another tenant of this cluster: ${(err as { detail?: string }).detail ?? e.constraint_name}`,
            );
          }
          throw err;
        }
        await tx
          .update(tenants)
          .set({ schemaVersion: latestTenantVersion(), updatedAt: new Date() })
          .where(eq(tenants.id, t.id));
      },
    });
    const tables: ImportReport["tables"] = [];
    for (const m of summary.manifest.tables) {
      const [row] = await opts.sql.unsafe<{ n: string }[]>(
        `select count(*)::text as n from ${q(t.schemaName)}.${q(m.name)}`,
      );
      tables.push({ name: m.name, archive: m.rows, imported: Number(row?.n ?? -1) });
    }
    await opts.resolver?.invalidate({ tenantId: t.id });
    return {
      tenantId: t.id,
      schemaName: t.schemaName,
      created,
      sourceTenantId: header.tenantId,
      schemaVersion: summary.schemaVersion,
      tables,
      resealed,
      matches: tables.every((x) => x.archive === x.imported),
    };
  } catch (err) {
    if (created) await removeTenant(opts.db, t.id, t.schemaName);
    throw err;
  }
}

async function removeTenant(db: Db, id: string, schemaName: string): Promise<void> {
  await db.transaction(async (tx) => {
    await rawClient(tx).unsafe(`drop schema if exists ${q(schemaName)} cascade`);
    await tx.delete(tenants).where(eq(tenants.id, id));
  });
}
