import { randomBytes } from "node:crypto";
import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type Database } from "../client.ts";
import { tenants } from "../public/tenants.ts";
import { tenantTableNames } from "../tenant/factory.ts";
import { latestTenantVersion, tenantMigrations } from "./files.ts";
import { tenantTemplate } from "./template.ts";
import { createTenantSchema, migrateAllTenants, migrateTenantSchema } from "./tenant.ts";

let database: Database;
const ids: string[] = [];
const schemas: string[] = [];
const run = `m${Date.now().toString(36)}`;

beforeAll(async () => {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("run through vitest");
  database = connect(url, { max: 6 });
  // Registry rows at version 0 with empty schemas: what a cluster looks like before its first
  // tenant migration (or after a new one is generated). Six: more than the concurrency of 4, so a
  // worker takes a second schema; each is a full migration (several seconds on Citus).
  for (let i = 0; i < 6; i++) {
    const slug = `${run}-${i}`;
    const schemaName = `tenant_${run}_${i}`;
    await database.db.transaction((tx) => createTenantSchema(tx, schemaName));
    const [row] = await database.db
      .insert(tenants)
      .values({ slug, schemaName, companyName: slug, plan: "trial", secret: randomBytes(8).toString("hex") })
      .returning({ id: tenants.id });
    if (row) ids.push(row.id);
    schemas.push(schemaName);
  }
});

afterAll(async () => {
  await database.db.delete(tenants).where(inArray(tenants.id, ids));
  for (const s of schemas) await database.db.execute(sql`drop schema if exists ${sql.identifier(s)} cascade`);
  await database.close();
});

/**
 * What a schema is made of, with its name written as S: columns (position, type, null, default, identity,
 * generated), constraints, indexes, relations with their kind and storage options, sequences, owned-by links, triggers,
 * comments, and the tracking rows (foreign keys as constraints; their internal triggers differ only by oid). Two schemas with the same shape are interchangeable.
 */
async function shape(schema: string) {
  const rows = await database.sql<{ kind: string; name: string; def: string }[]>`
    select 'column' as kind, c.relname || '.' || lpad(a.attnum::text, 3, '0') || '.' || a.attname as name,
      format_type(a.atttypid, a.atttypmod) || ' ' || a.attnotnull || ' ' || coalesce(pg_get_expr(d.adbin, d.adrelid), '')
        || ' ' || a.attidentity::text || a.attgenerated::text || ' ' || coalesce(a.attcollation::regcollation::text, '') as def
    from pg_attribute a join pg_class c on c.oid = a.attrelid
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where c.relnamespace = ${schema}::regnamespace and a.attnum > 0 and not a.attisdropped
    union all
    select 'constraint', conrelid::regclass::text || '.' || conname, contype::text || ' ' || pg_get_constraintdef(oid)
      || ' ' || condeferrable || condeferred || convalidated
    from pg_constraint where connamespace = ${schema}::regnamespace
    union all
    select 'index', c.relname, pg_get_indexdef(i.indexrelid)
    from pg_index i join pg_class c on c.oid = i.indexrelid where c.relnamespace = ${schema}::regnamespace
    union all
    select 'relation', relname, relkind::text || ' ' || relpersistence::text || ' ' || relhasindex || ' ' || relrowsecurity
      || ' ' || coalesce(array_to_string(reloptions, ','), '')
    from pg_class where relnamespace = ${schema}::regnamespace
    union all
    select 'sequence', c.relname, format_type(s.seqtypid, null) || ' ' || s.seqstart || ' ' || s.seqincrement
      || ' ' || s.seqmax || ' ' || s.seqmin || ' ' || s.seqcache || ' ' || s.seqcycle
      || ' owned by ' || coalesce((select r.relname || '.' || a.attname from pg_depend dep
        join pg_class r on r.oid = dep.refobjid
        join pg_attribute a on a.attrelid = dep.refobjid and a.attnum = dep.refobjsubid
        where dep.objid = c.oid and dep.classid = 'pg_class'::regclass and dep.deptype in ('a', 'i')), '-')
    from pg_sequence s join pg_class c on c.oid = s.seqrelid where c.relnamespace = ${schema}::regnamespace
    union all
    select 'trigger', t.tgname, pg_get_triggerdef(t.oid)
    from pg_trigger t join pg_class c on c.oid = t.tgrelid
    where c.relnamespace = ${schema}::regnamespace and not t.tgisinternal
    union all
    select 'comment', c.relname || '.' || d.objsubid, d.description
    from pg_description d join pg_class c on c.oid = d.objoid where c.relnamespace = ${schema}::regnamespace
    union all
    select 'type', t.typname, t.typtype::text from pg_type t
    where t.typnamespace = ${schema}::regnamespace and t.typrelid = 0
    order by 1, 2`;
  const tracked = await database.sql<{ id: string; version: number }[]>`
    select id, version from ${database.sql(schema)}."__migrations" order by version`;
  return [
    ...rows.map((r) => ({ kind: r.kind, name: r.name.replaceAll(schema, "S"), def: r.def.replaceAll(schema, "S") })),
    ...tracked.map((r) => ({ kind: "tracked", name: r.id, def: String(r.version) })),
  ];
}

describe("tenant migrations", () => {
  it("are the SQL drizzle-kit generated, with the template schema as placeholder", () => {
    const [first] = tenantMigrations();
    expect(first?.id).toBe("0000_core");
    expect(first?.statements.some((s) => s.includes('"tenant_template"."users"'))).toBe(true);
    expect(first?.statements.some((s) => /^CREATE SCHEMA/i.test(s))).toBe(false);
  });

  it("apply to every pending schema in parallel, tracked per schema, and re-run as a no-op", async () => {
    const report = await migrateAllTenants(database.db, { concurrency: 4 });
    expect(report.failed).toEqual([]);
    expect(report.migrated).toEqual(expect.arrayContaining(schemas));

    const rows = await database.db.select().from(tenants).where(inArray(tenants.id, ids));
    expect(rows.every((r) => r.schemaVersion === latestTenantVersion())).toBe(true);
    for (const s of schemas) {
      const tracked = await database.db.execute<{ id: string }>(
        sql`select id from ${sql.identifier(s)}."__migrations"`,
      );
      expect(tracked.map((r) => r.id)).toEqual(tenantMigrations().map((m) => m.id));
      const tables = await database.db.execute<{ table_name: string }>(
        sql`select table_name from information_schema.tables where table_schema = ${s} order by 1`,
      );
      expect(tables.map((r) => r.table_name)).toEqual(["__migrations", ...tenantTableNames()]);
    }

    const again = await migrateAllTenants(database.db, { concurrency: 4 });
    expect(again.migrated.filter((s) => schemas.includes(s))).toEqual([]);
  });

  it("resumes from the schema's own tracking when the registry version lags", async () => {
    const [id] = ids;
    const [schema] = schemas;
    if (!id || !schema) throw new Error("setup");
    await database.db.update(tenants).set({ schemaVersion: 0 }).where(eq(tenants.id, id));
    // Nothing is re-applied (that would fail on existing tables); the version is just caught up.
    const report = await migrateAllTenants(database.db);
    expect(report.failed).toEqual([]);
    const [row] = await database.db.select().from(tenants).where(eq(tenants.id, id));
    expect(row?.schemaVersion).toBe(latestTenantVersion());
  });

  it("gives every tenant table a primary key (or another replica identity), which moving a tenant by logical replication needs", async () => {
    // Citus's `auto` move (wal_level = logical) copies a tenant while its writes go on and replays
    // them on the new node by replica identity: a table without one would make every move fail
    // (or fall back to holding writes). A new tenant table must come with a primary key.
    const [schema] = schemas;
    if (!schema) throw new Error("setup");
    const without = await database.db.execute<{ table: string }>(
      sql`select c.relname as "table" from pg_class c
           where c.relnamespace = ${schema}::regnamespace and c.relkind in ('r', 'p')
             and not (c.relreplident = 'f'
               or (c.relreplident = 'd' and exists (select 1 from pg_index i where i.indrelid = c.oid and i.indisprimary))
               or (c.relreplident = 'i' and exists (select 1 from pg_index i where i.indrelid = c.oid and i.indisreplident)))
           order by 1`,
    );
    expect(without.map((r) => r.table)).toEqual([]);
    const tables = await database.db.execute<{ n: number }>(
      sql`select count(*)::int as n from pg_class where relnamespace = ${schema}::regnamespace and relkind in ('r', 'p')`,
    );
    expect(tables[0]?.n).toBe(tenantTableNames().length + 1);
  });

  it("has the generated template at the latest version", () => {
    // After adding a tenant migration: DATABASE_URL=… npx tsx packages/db/src/cli/tenant-template.ts
    expect(tenantTemplate()?.version, "drizzle/tenant-template.sql is stale: regenerate it").toBe(
      latestTenantVersion(),
    );
  });

  it("builds a new schema from the template (latest) or pipelined migrations (older) with exactly the catalog the migrations produce one by one", async () => {
    const [stepwise, pipelined, oldStepwise, oldPipelined] = ["s", "p", "os", "op"].map((k) => `tenant_${run}_${k}`);
    if (!stepwise || !pipelined || !oldStepwise || !oldPipelined) throw new Error("setup");
    schemas.push(stepwise, pipelined, oldStepwise, oldPipelined);
    const latest = await database.db.transaction((tx) =>
      migrateTenantSchema(tx, stepwise, { create: true, stepwise: true }),
    );
    expect(await database.db.transaction((tx) => migrateTenantSchema(tx, pipelined, { create: true }))).toBe(latest);
    expect(latest).toBe(latestTenantVersion());
    expect(await shape(pipelined)).toEqual(await shape(stepwise));
    expect((await shape(pipelined)).filter((r) => r.kind === "column").length).toBeGreaterThan(100);

    // An older version (what a restore of an old backup starts from) too, and both move forward alike.
    const upTo = latest - 2;
    await database.db.transaction((tx) => migrateTenantSchema(tx, oldStepwise, { create: true, upTo, stepwise: true }));
    expect(await database.db.transaction((tx) => migrateTenantSchema(tx, oldPipelined, { create: true, upTo }))).toBe(
      upTo,
    );
    expect(await shape(oldPipelined)).toEqual(await shape(oldStepwise));
    expect(await shape(oldPipelined)).not.toEqual(await shape(pipelined));
    for (const s of [oldStepwise, oldPipelined]) await database.db.transaction((tx) => migrateTenantSchema(tx, s));
    expect(await shape(oldPipelined)).toEqual(await shape(pipelined));
  });

  it("rolls a failed pipelined build back whole", async () => {
    const name = `tenant_${run}_fail`;
    schemas.push(name);
    // The second statement of the build fails (the schema exists); the rest are refused with it.
    await database.db.execute(sql.raw(`create schema "${name}"`));
    await expect(database.db.transaction((tx) => migrateTenantSchema(tx, name, { create: true }))).rejects.toThrow(
      /already exists/,
    );
    const left = await database.db.execute<{ n: number }>(
      sql`select count(*)::int as n from pg_class where relnamespace = ${name}::regnamespace`,
    );
    expect(left[0]?.n).toBe(0);
  });

  it("refuses a schema name that could smuggle SQL", async () => {
    await expect(
      database.db.transaction((tx) => migrateTenantSchema(tx, 'tenant_x"; drop table public.tenants; --')),
    ).rejects.toThrow(/invalid tenant schema name/);
  });
});
