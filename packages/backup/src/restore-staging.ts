import { randomBytes } from "node:crypto";
import { assertSchemaName, DISTRIBUTE_NEW_SCHEMAS_SQL, forSchema, type Tx, tenantMigrations } from "@proxpanel/db";
import { sql as dsql } from "drizzle-orm";
import type postgres from "postgres";
import { q } from "./contents.ts";

/** Staging schemas end with this and 12 hex digits; nothing else in the cluster may look like it. */
const STAGING_RE = "__restore_[0-9a-f]{12}$";

/**
 * `<target>__restore_<hex>`, with the target's name shortened when needed to fit PostgreSQL's 63
 * bytes; it still passes the tenant schema name check, so every helper accepts it.
 */
export function stagingSchemaName(target: string): string {
  assertSchemaName(target);
  const suffix = `__restore_${randomBytes(6).toString("hex")}`;
  const name = `${target.slice(0, 63 - suffix.length)}${suffix}`;
  assertSchemaName(name);
  return name;
}

/** The session advisory lock a restore holds on its staging schema while it exists. */
const lockKey = (staging: string) => `proxpanel:restore:${staging}`;

/**
 * Takes the staging schema's lock on `conn` (a reserved, session-level connection): held for the
 * whole restore, released by the server if the process dies, which is how an orphan is told apart
 * from a staging schema another restore is still filling.
 */
export async function lockStaging(conn: postgres.ReservedSql, staging: string): Promise<void> {
  await conn`select pg_advisory_lock(hashtext(${lockKey(staging)}))`;
}

export async function unlockStaging(conn: postgres.ReservedSql, staging: string): Promise<void> {
  await conn`select pg_advisory_unlock(hashtext(${lockKey(staging)}))`;
}

/**
 * Drops the staging schemas of restores that died (killed process, lost connection): those whose
 * lock nobody holds. Runs at the start of every restore; returns the names dropped.
 */
export async function dropOrphanRestoreSchemas(conn: postgres.ReservedSql): Promise<string[]> {
  const found = await conn<{ name: string }[]>`
    select nspname::text as name from pg_namespace where nspname ~ ${STAGING_RE} order by nspname`;
  const dropped: string[] = [];
  for (const { name } of found) {
    const [got] = await conn<{ ok: boolean }[]>`select pg_try_advisory_lock(hashtext(${lockKey(name)})) as ok`;
    if (!got?.ok) continue;
    try {
      await conn.unsafe(`drop schema if exists ${q(name)} cascade`);
      dropped.push(name);
    } finally {
      await unlockStaging(conn, name);
    }
  }
  return dropped;
}

/**
 * The swap, inside the caller's transaction: the live schema is renamed aside, the staging schema
 * takes its name, and the old one is dropped. Renames touch only the catalog (no table is rewritten),
 * so the transaction is short; until it commits every reader and writer still sees the old data.
 * Cached plans of other connections that name `target.table` are invalidated by the drop and
 * re-resolved by name on their next execution, which finds the new tables.
 */
export async function swapSchemas(tx: Tx, staging: string, target: string): Promise<void> {
  // The migrator's lock: a concurrent `migrateAllTenants` must not work on a schema being replaced.
  await tx.execute(dsql`select pg_advisory_xact_lock(hashtext(${`proxpanel:migrate:${target}`}))`);
  const [exists] = await tx.execute<{ ok: boolean }>(
    dsql`select exists (select 1 from pg_namespace where nspname = ${target}) as ok`,
  );
  const old = exists?.ok ? `${target.slice(0, 63 - 18)}__old_${randomBytes(6).toString("hex")}` : undefined;
  if (old) await tx.execute(dsql.raw(`alter schema ${q(target)} rename to ${q(old)}`));
  await tx.execute(dsql.raw(`alter schema ${q(staging)} rename to ${q(target)}`));
  if (old) await tx.execute(dsql.raw(`drop schema ${q(old)} cascade`));
}

/**
 * Creates the staging schema at the archive's schema version with the statements pipelined instead
 * of a round trip per DDL statement as `migrateTenantSchema` makes: the same
 * migration files, and the same `__migrations` rows, so `migrateTenantSchema` later takes it forward
 * like any schema. The tracking table's DDL mirrors `migrateTenantSchema`'s; the restore tests
 * compare the result with a schema that function built.
 */
export async function createStagingSchema(tx: postgres.TransactionSql, staging: string, upTo: number): Promise<void> {
  assertSchemaName(staging);
  const s = q(staging);
  const stmts = [
    // A distributed schema on Citus, so the swap puts a distributed schema in the tenant's place.
    DISTRIBUTE_NEW_SCHEMAS_SQL,
    `create schema ${s}`,
    `create table ${s}."__migrations" (id text primary key, version integer not null, applied_at timestamptz not null default now())`,
  ];
  for (const m of tenantMigrations()) {
    if (m.version > upTo) break;
    for (const stmt of m.statements) stmts.push(forSchema(stmt, staging).replace(/;\s*$/, ""));
    stmts.push(`insert into ${s}."__migrations" (id, version) values (${literal(m.id)}, ${m.version})`);
  }
  // Sent back to back without waiting for each answer (postgres.js pipelines queries issued together on
  // one connection): one round trip's worth of waiting, like one multi-statement query, but each
  // statement on its own, which Citus needs (it forwards a DDL statement's text to the worker, and a
  // text holding several statements is refused there).
  await Promise.all(stmts.map((stmt) => tx.unsafe(stmt)));
}

/** Migration ids are drizzle-kit tags (`0003_auth_logs_backup_schedules`); quoted anyway. */
const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;
