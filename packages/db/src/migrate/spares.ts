import { randomBytes } from "node:crypto";
import { sql } from "drizzle-orm";
import type { Db, Executor } from "../client.ts";
import { assertSchemaName } from "../tenant/factory.ts";
import { latestTenantVersion } from "./files.ts";
import {
  listSpareSchemas,
  migrateSpareSchemas,
  migrateTenantSchema,
  SPARE_LIKE,
  SPARE_SCHEMA_PREFIX,
} from "./tenant.ts";

/*
 * Spare tenant schemas: whole tenant schemas built ahead of time by the worker, so that onboarding
 * renames one (`ALTER SCHEMA … RENAME`, one catalog row) instead of building 31 tables, their
 * indexes and constraints inside the signup (≈ 0.1 s of server CPU, seconds on a loaded machine).
 *
 * A spare is `tenant__spare_<hex>`: no slug can produce that name (a slug never starts with a dash),
 * it is not a restore staging name, and it has no registry row, so it is never seen as a tenant.
 * Each keeps its own `__migrations` table like any tenant schema; `db:migrate` brings spares to the
 * latest version with the tenants (`migrateSpareSchemas`) and a spare at any other version is never
 * handed out. Plain PostgreSQL only: Citus refuses to rename a distributed schema, so there a new
 * tenant's schema is always built in the signup.
 */
export { listSpareSchemas, migrateSpareSchemas, SPARE_SCHEMA_PREFIX } from "./tenant.ts";

/** The advisory lock `migrateTenantSchema` takes on a schema: holding it keeps a migration off the spare. */
const migrateLockKey = (schemaName: string) => `proxpanel:migrate:${schemaName}`;

async function onCitus(db: Executor): Promise<boolean> {
  const [row] = await db.execute<{ on: boolean }>(
    sql`select exists (select 1 from pg_extension where extname = 'citus') as "on"`,
  );
  return row?.on === true;
}

/** Builds one spare schema at the latest version in its own transaction; null on Citus (none are kept there). */
export async function buildSpareSchema(db: Db): Promise<string | null> {
  if (await onCitus(db)) return null;
  const name = `${SPARE_SCHEMA_PREFIX}${randomBytes(6).toString("hex")}`;
  await db.transaction(async (tx) => {
    await migrateTenantSchema(tx, name, { create: true });
  });
  return name;
}

/**
 * Keeps `want` spare schemas ready, building the missing ones one after another (the worker's job).
 * Returns the names built. Does nothing on Citus.
 */
export async function ensureSpareSchemas(db: Db, want: number): Promise<string[]> {
  if (want <= 0 || (await onCitus(db))) return [];
  // Spares left behind by a release are brought up (or dropped) here too, not only by a full
  // `db:migrate`: its quick no-op path (cli/migrate.mjs) looks at tenants only, and a stale
  // spare is never handed out, so without this the pool could stay useless until the API restarts.
  await migrateSpareSchemas(db);
  const have = (await listSpareSchemas(db)).length;
  const built: string[] = [];
  for (let i = have; i < want; i++) {
    const name = await buildSpareSchema(db);
    if (name) built.push(name);
  }
  return built;
}

/**
 * Inside the caller's (onboarding) transaction: takes a ready spare schema and renames it to
 * `target`. Returns false, changing nothing, when there is none at the latest version (or on Citus,
 * where there are none); the caller then builds the schema itself. A spare being migrated or taken
 * by a concurrent signup is skipped (its advisory lock is held), and the rename rolls back with the
 * caller's transaction, leaving the spare in place.
 */
export async function claimSpareSchema(tx: Executor, target: string): Promise<boolean> {
  assertSchemaName(target);
  // Materialised first, so the lock function runs on the spares only, not on every schema.
  const [candidate] = await tx.execute<{ name: string }>(sql`
    with spares as materialized (
      select nspname::text as name from pg_namespace where nspname like ${SPARE_LIKE} order by nspname
    )
    select name from spares where pg_try_advisory_xact_lock(hashtext(${migrateLockKey("")} || name)) limit 1`);
  if (!candidate) return false;
  const spare = candidate.name;
  assertSchemaName(spare);
  // Read after the lock, in a new statement: a concurrent signup that took this spare and committed
  // is seen now (its schema is gone), and a migration that ran is seen at its new version.
  const [state] = await tx.execute<{ ok: boolean }>(
    sql`select to_regclass(format('%I.%I', ${spare}::text, '__migrations')) is not null as ok`,
  );
  if (!state?.ok) return false;
  const [applied] = await tx.execute<{ version: number | null }>(
    sql.raw(`select max(version) as version from "${spare}"."__migrations"`),
  );
  if (Number(applied?.version) !== latestTenantVersion()) return false;
  await tx.execute(sql.raw(`alter schema "${spare}" rename to "${target}"`));
  // The renamed schema is the target's now: keep a migration off it until this transaction ends.
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${migrateLockKey(target)}))`);
  return true;
}
