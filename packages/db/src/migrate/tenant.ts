import { eq, lt, sql } from "drizzle-orm";
import pLimit from "p-limit";
import type { Db, Executor } from "../client.ts";
import { tenants } from "../public/tenants.ts";
import { assertSchemaName } from "../tenant/factory.ts";
import { forSchema, latestTenantVersion, tenantMigrations } from "./files.ts";

/**
 * The one statement to run before `create schema` of a tenant (or restore staging) schema. On a Citus
 * coordinator it makes the schema a distributed schema for the rest of the transaction: all its
 * tables are placed together on one worker and queries naming it are routed there. On plain
 * PostgreSQL there is no `citus` extension, so it selects no row and changes nothing: one code path.
 */
export const DISTRIBUTE_NEW_SCHEMAS_SQL =
  "select set_config('citus.enable_schema_based_sharding', 'on', true) from pg_extension where extname = 'citus'";

/** Creates an empty tenant schema in the caller's transaction; a distributed schema on Citus. */
export async function createTenantSchema(tx: Executor, schemaName: string): Promise<void> {
  assertSchemaName(schemaName);
  await tx.execute(sql.raw(DISTRIBUTE_NEW_SCHEMAS_SQL));
  await tx.execute(sql.raw(`create schema "${schemaName}"`));
}

/**
 * Brings one tenant schema to the latest version inside the caller's transaction and returns that
 * version. Each schema tracks what it has in its own `__migrations` table, so a half-migrated
 * cluster is resumed schema by schema. `upTo` stops at an older version: a backup's rows are loaded
 * into the tables as they were when it was taken, then migrated forward like any other schema.
 */
export async function migrateTenantSchema(
  tx: Executor,
  schemaName: string,
  opts: { create?: boolean; upTo?: number } = {},
) {
  assertSchemaName(schemaName);
  const q = `"${schemaName}"`;
  // Two instances starting at once must not apply the same migration to one schema twice.
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`proxpanel:migrate:${schemaName}`}))`);
  if (opts.create) await createTenantSchema(tx, schemaName);
  await tx.execute(
    sql.raw(
      `create table if not exists ${q}."__migrations" (id text primary key, version integer not null, applied_at timestamptz not null default now())`,
    ),
  );
  const rows = await tx.execute<{ id: string }>(sql.raw(`select id from ${q}."__migrations"`));
  const applied = new Set(rows.map((r) => r.id));
  let version = 0;
  for (const m of tenantMigrations()) {
    if (opts.upTo !== undefined && m.version > opts.upTo) break;
    if (!applied.has(m.id)) {
      for (const stmt of m.statements) await tx.execute(sql.raw(forSchema(stmt, schemaName)));
      await tx.execute(
        sql`insert into ${sql.identifier(schemaName)}."__migrations" (id, version) values (${m.id}, ${m.version})`,
      );
    }
    version = m.version;
  }
  return version;
}

export interface TenantMigrateReport {
  latest: number;
  pending: number;
  migrated: string[];
  failed: { schemaName: string; error: string }[];
}

/**
 * Applies pending tenant migrations to every schema, several at a time. With nothing to apply it
 * costs one indexed query, whatever the number of tenants.
 */
export async function migrateAllTenants(db: Db, opts: { concurrency?: number } = {}): Promise<TenantMigrateReport> {
  const latest = latestTenantVersion();
  const pending = await db
    .select({ id: tenants.id, schemaName: tenants.schemaName })
    .from(tenants)
    .where(lt(tenants.schemaVersion, latest));
  const limit = pLimit(opts.concurrency ?? 4);
  const report: TenantMigrateReport = { latest, pending: pending.length, migrated: [], failed: [] };
  await Promise.all(
    pending.map((t) =>
      limit(async () => {
        try {
          await db.transaction(async (tx) => {
            const version = await migrateTenantSchema(tx, t.schemaName);
            await tx.update(tenants).set({ schemaVersion: version, updatedAt: new Date() }).where(eq(tenants.id, t.id));
          });
          report.migrated.push(t.schemaName);
        } catch (err) {
          report.failed.push({ schemaName: t.schemaName, error: err instanceof Error ? err.message : String(err) });
        }
      }),
    ),
  );
  return report;
}
