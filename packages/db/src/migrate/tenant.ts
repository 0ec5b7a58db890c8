import { eq, lt, sql } from "drizzle-orm";
import { PgTransaction } from "drizzle-orm/pg-core";
import { PostgresJsSession } from "drizzle-orm/postgres-js";
import pLimit from "p-limit";
import type postgres from "postgres";
import type { Db, Executor } from "../client.ts";
import { tenants } from "../public/tenants.ts";
import { assertSchemaName } from "../tenant/factory.ts";
import { forSchema, latestTenantVersion, tenantMigrations } from "./files.ts";
import { templateFor, tenantTemplate } from "./template.ts";

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

const TRACKING_TABLE_DDL = (q: string) =>
  `create table if not exists ${q}."__migrations" (id text primary key, version integer not null, applied_at timestamptz not null default now())`;

const lockSql = (schemaName: string) =>
  sql`select pg_advisory_xact_lock(hashtext(${`proxpanel:migrate:${schemaName}`}))`;

/** The postgres.js transaction under a Drizzle one, or undefined outside a transaction. */
function rawTransactionOf(tx: Executor): postgres.TransactionSql | undefined {
  if (!(tx instanceof PgTransaction)) return undefined;
  const session: unknown = tx._.session;
  return session instanceof PostgresJsSession ? (session.client as postgres.TransactionSql) : undefined;
}

const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;

/**
 * The whole DDL of a new tenant schema at `upTo` (default: the latest version) as one list of
 * statements: the migration files in order, then one insert of every tracking row. Built from the same
 * files `migrateTenantSchema` applies one by one, so it cannot drift from them (and
 * `tenant.test.ts` compares the catalogs the two paths produce).
 */
export function tenantSchemaScript(schemaName: string, upTo?: number): string[] {
  assertSchemaName(schemaName);
  const q = `"${schemaName}"`;
  const stmts = [DISTRIBUTE_NEW_SCHEMAS_SQL, `create schema ${q}`, TRACKING_TABLE_DDL(q)];
  const rows: string[] = [];
  for (const m of tenantMigrations()) {
    if (upTo !== undefined && m.version > upTo) break;
    for (const stmt of m.statements) stmts.push(forSchema(stmt, schemaName).replace(/;\s*$/, ""));
    rows.push(`(${literal(m.id)}, ${m.version})`);
  }
  if (rows.length) stmts.push(`insert into ${q}."__migrations" (id, version) values ${rows.join(", ")}`);
  return stmts;
}

/**
 * Creates a tenant schema at `upTo` (default latest) in one round trip's worth of waiting: every
 * statement of `tenantSchemaScript` is sent back to back on the transaction's connection (postgres.js
 * pipelines queries issued together) instead of waiting for each answer in turn. Separate statements,
 * not one multi-statement text: Citus forwards a DDL statement's text to the worker and refuses a text
 * holding several. A failing statement aborts the transaction, so the later ones fail too and the
 * caller's transaction rolls everything back. Returns the version built.
 */
async function buildTenantSchema(raw: postgres.TransactionSql, schemaName: string, upTo?: number): Promise<number> {
  const latest = latestTenantVersion();
  const version = upTo === undefined ? latest : Math.min(upTo, latest);
  const template = version === latest ? await templateScript(raw, schemaName) : undefined;
  const stmts = template ?? tenantSchemaScript(schemaName, upTo);
  await Promise.all(stmts.map((stmt) => raw.unsafe(stmt)));
  return version;
}

/**
 * The new schema from the generated template (`template.ts`) when it is at the latest version, on plain
 * PostgreSQL only: on Citus the migrations' statements are the ones its tests cover (a distributed
 * schema's tables, sequences and constraints are propagated statement by statement), so it keeps them.
 */
async function templateScript(raw: postgres.TransactionSql, schemaName: string): Promise<string[] | undefined> {
  const template = tenantTemplate();
  if (!template || template.version !== latestTenantVersion()) return undefined;
  const [citus] = await raw<
    { on: boolean }[]
  >`select exists (select 1 from pg_extension where extname = 'citus') as on`;
  if (citus?.on) return undefined;
  const q = `"${schemaName}"`;
  const rows = tenantMigrations().map((m) => `(${literal(m.id)}, ${m.version})`);
  return [
    `create schema ${q}`,
    ...template.statements.map((s) => templateFor(s, schemaName)),
    `insert into ${q}."__migrations" (id, version) values ${rows.join(", ")}`,
  ];
}

/**
 * Brings one tenant schema to the latest version inside the caller's transaction and returns that
 * version. Each schema tracks what it has in its own `__migrations` table, so a half-migrated
 * cluster is resumed schema by schema. `upTo` stops at an older version: a backup's rows are loaded
 * into the tables as they were when it was taken, then migrated forward like any other schema.
 *
 * `create` makes the schema first and, inside a transaction, builds it pipelined (`buildTenantSchema`:
 * every statement without a round trip each, from the generated template at the latest version). `stepwise` keeps the old
 * statement-at-a-time path for that case too: the onboarding bench's "before" figure.
 */
export async function migrateTenantSchema(
  tx: Executor,
  schemaName: string,
  opts: { create?: boolean; upTo?: number; stepwise?: boolean } = {},
) {
  assertSchemaName(schemaName);
  const q = `"${schemaName}"`;
  // Two instances starting at once must not apply the same migration to one schema twice.
  await tx.execute(lockSql(schemaName));
  const raw = opts.create && !opts.stepwise ? rawTransactionOf(tx) : undefined;
  if (raw) return buildTenantSchema(raw, schemaName, opts.upTo);
  if (opts.create) await createTenantSchema(tx, schemaName);
  await tx.execute(sql.raw(TRACKING_TABLE_DDL(q)));
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
  /** Spare schemas (`spares.ts`) brought to the latest version, and those dropped because they failed. */
  spares: { migrated: string[]; dropped: string[] };
}

/**
 * Applies pending tenant migrations to every schema, several at a time, then to the spare schemas
 * kept for onboarding. With nothing to apply it costs two indexed queries, whatever the number of
 * tenants.
 */
export async function migrateAllTenants(db: Db, opts: { concurrency?: number } = {}): Promise<TenantMigrateReport> {
  const latest = latestTenantVersion();
  const pending = await db
    .select({ id: tenants.id, schemaName: tenants.schemaName })
    .from(tenants)
    .where(lt(tenants.schemaVersion, latest));
  const limit = pLimit(opts.concurrency ?? 4);
  const report: TenantMigrateReport = {
    latest,
    pending: pending.length,
    migrated: [],
    failed: [],
    spares: { migrated: [], dropped: [] },
  };
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
  report.spares = await migrateSpareSchemas(db);
  return report;
}

/** Spare tenant schemas built ahead for onboarding (`spares.ts`): `tenant__spare_<hex>`, never a slug's. */
export const SPARE_SCHEMA_PREFIX = "tenant__spare_";
export const SPARE_LIKE = "tenant\\_\\_spare\\_%";

/** The spare schemas present now (committed ones), by name. */
export async function listSpareSchemas(db: Executor): Promise<string[]> {
  const rows = await db.execute<{ name: string }>(
    sql`select nspname::text as name from pg_namespace where nspname like ${SPARE_LIKE} order by nspname`,
  );
  return rows.map((r) => r.name);
}

/**
 * Brings every spare schema to the latest version (`db:migrate`, after the tenants). A spare that
 * fails is dropped rather than left behind: the worker builds a new one. One taken by a signup
 * meanwhile (renamed) fails here and is gone already.
 */
export async function migrateSpareSchemas(db: Db): Promise<{ migrated: string[]; dropped: string[] }> {
  const migrated: string[] = [];
  const dropped: string[] = [];
  const latest = latestTenantVersion();
  for (const name of await listSpareSchemas(db)) {
    assertSchemaName(name);
    try {
      const [row] = await db.execute<{ version: number | null }>(
        sql.raw(`select max(version) as version from "${name}"."__migrations"`),
      );
      if (Number(row?.version) === latest) continue;
      await db.transaction(async (tx) => {
        await migrateTenantSchema(tx, name);
      });
      migrated.push(name);
    } catch {
      await db.execute(sql.raw(`drop schema if exists "${name}" cascade`));
      dropped.push(name);
    }
  }
  return { migrated, dropped };
}
