import {
  connect,
  type Database,
  latestTenantVersion,
  migrateAllTenants,
  migrateTenantSchema,
  tenants,
} from "@proxpanel/db";
import {
  buildSpareSchema,
  ensureSpareSchemas,
  listSpareSchemas,
  SPARE_SCHEMA_PREFIX,
} from "@proxpanel/db/migrate/spares";
import { tenantTableNames } from "@proxpanel/db/tenant/factory";
import { onboardTenant, SYSTEM_ACTOR } from "@proxpanel/tenancy";
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ScratchDatabases } from "../../../../../tests/scratch-databases.ts";

// A database of its own: signups running in other test files would take these spares otherwise.
const scratch = new ScratchDatabases("proxpanel_spares");
let database: Database;
let seq = 0;
beforeAll(async () => {
  database = connect(await scratch.create(), { max: 4 });
});
afterAll(async () => {
  await database?.close();
  await scratch.dropAll();
});

const onboard = (failAt?: "registry" | "schema" | "admin") =>
  onboardTenant(
    {
      db: database.db,
      ...(failAt
        ? {
            failpoint: (stage: string) => {
              if (stage === failAt) throw new Error(`injected at ${stage}`);
            },
          }
        : {}),
    },
    {
      slug: `spare-${seq++}`,
      companyName: "Spare ISP",
      plan: "trial",
      adminEmail: "owner@spare.test",
      adminPassword: "spare-password-1",
    },
    SYSTEM_ACTOR,
  );

const oidOf = async (schema: string) =>
  (
    await database.db.execute<{ oid: string | null }>(
      sql`select (select oid from pg_namespace where nspname = ${schema})::text as oid`,
    )
  )[0]?.oid ?? null;

const tablesOf = async (schema: string) =>
  (
    await database.db.execute<{ name: string }>(
      sql`select table_name::text as name from information_schema.tables where table_schema = ${schema} order by 1`,
    )
  ).map((r) => r.name);

describe("spare tenant schemas", () => {
  it("are built ahead at the latest version, are no tenants, and a signup renames one into place", async () => {
    const built = await ensureSpareSchemas(database.db, 2);
    expect(built).toHaveLength(2);
    expect(await ensureSpareSchemas(database.db, 2)).toEqual([]);
    const spares = await listSpareSchemas(database.db);
    expect(spares.sort()).toEqual([...built].sort());
    expect(spares.every((s) => s.startsWith(SPARE_SCHEMA_PREFIX))).toBe(true);
    expect(await database.db.select().from(tenants)).toEqual([]);
    const oids = await Promise.all(spares.map(oidOf));

    const tenant = await onboard();
    expect(tenant.schemaVersion).toBe(latestTenantVersion());
    // The tenant's schema is one of the spares (same oid), renamed; one spare is left.
    expect(oids).toContain(await oidOf(tenant.schemaName));
    expect(await listSpareSchemas(database.db)).toHaveLength(1);
    expect(await tablesOf(tenant.schemaName)).toEqual(["__migrations", ...tenantTableNames()]);
    const tracked = await database.db.execute<{ version: number }>(
      sql.raw(`select max(version) as version from "${tenant.schemaName}"."__migrations"`),
    );
    expect(Number(tracked[0]?.version)).toBe(latestTenantVersion());
    // The owner, preferences and audit went into it as into a built schema.
    const owners = await database.db.execute<{ email: string }>(
      sql.raw(`select email from "${tenant.schemaName}".users where is_owner`),
    );
    expect(owners.map((r) => r.email)).toEqual(["owner@spare.test"]);
  });

  it("stays a spare when the signup fails after taking it", async () => {
    const before = await listSpareSchemas(database.db);
    expect(before).toHaveLength(1);
    for (const stage of ["schema", "admin"] as const) {
      await expect(onboard(stage)).rejects.toThrow(`injected at ${stage}`);
      expect(await listSpareSchemas(database.db)).toEqual(before);
    }
    expect(await database.db.select().from(tenants).where(eq(tenants.companyName, "Spare ISP"))).toHaveLength(1);
  });

  it("hands each spare to one signup only when signups race for it", async () => {
    expect(await listSpareSchemas(database.db)).toHaveLength(1);
    const [a, b] = await Promise.all([onboard(), onboard()]);
    expect(a?.schemaName).not.toBe(b?.schemaName);
    expect(await listSpareSchemas(database.db)).toEqual([]);
    for (const t of [a, b]) {
      expect(await tablesOf(t?.schemaName ?? "")).toEqual(["__migrations", ...tenantTableNames()]);
    }
  });

  it("never hands out a spare at an older version; db:migrate brings it to the latest", async () => {
    const old = `${SPARE_SCHEMA_PREFIX}old0000000a`;
    const latest = latestTenantVersion();
    await database.db.transaction((tx) => migrateTenantSchema(tx, old, { create: true, upTo: latest - 1 }));
    const oldOid = await oidOf(old);

    const built = await onboard();
    expect(await oidOf(built.schemaName)).not.toBe(oldOid);
    expect(await listSpareSchemas(database.db)).toEqual([old]);

    const report = await migrateAllTenants(database.db);
    expect(report.spares).toEqual({ migrated: [old], dropped: [] });
    const taken = await onboard();
    expect(await oidOf(taken.schemaName)).toBe(oldOid);
    expect(await listSpareSchemas(database.db)).toEqual([]);
  });

  it("has the worker's top-up bring a spare left at an older version to the latest before counting it", async () => {
    const old = `${SPARE_SCHEMA_PREFIX}old0000000b`;
    const latest = latestTenantVersion();
    await database.db.transaction((tx) => migrateTenantSchema(tx, old, { create: true, upTo: latest - 1 }));
    const oldOid = await oidOf(old);

    // One wanted and one present: nothing new is built, the stale one is migrated in place.
    expect(await ensureSpareSchemas(database.db, 1)).toEqual([]);
    expect(await listSpareSchemas(database.db)).toEqual([old]);
    const taken = await onboard();
    expect(await oidOf(taken.schemaName)).toBe(oldOid);
  });

  it("builds one on request, each with a name no slug can produce", async () => {
    const name = await buildSpareSchema(database.db);
    expect(name).toMatch(/^tenant__spare_[0-9a-f]{12}$/);
    expect(await listSpareSchemas(database.db)).toEqual([name]);
  });
});
