import { randomBytes } from "node:crypto";
import { eq, inArray, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connect, type Database } from "../client.ts";
import { tenants } from "../public/tenants.ts";
import { tenantTableNames } from "../tenant/factory.ts";
import { latestTenantVersion, tenantMigrations } from "./files.ts";
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
  // tenant migration (or after a new one is generated).
  for (let i = 0; i < 12; i++) {
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

  it("refuses a schema name that could smuggle SQL", async () => {
    await expect(
      database.db.transaction((tx) => migrateTenantSchema(tx, 'tenant_x"; drop table public.tenants; --')),
    ).rejects.toThrow(/invalid tenant schema name/);
  });
});
