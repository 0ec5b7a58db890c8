/**
 * The set-up the RADIUS benchmarks share: a throw-away database migrated like the API migrates one,
 * one tenant in it with a NAS whose secret is sealed under the tenant key, and its route in
 * `public.nas_routes`; `drop()` removes the database.
 */
import { randomBytes } from "node:crypto";
import { seal } from "@proxpanel/auth";
import { connect, type Database, migrateTenantSchema } from "@proxpanel/db";
import { migratePublic } from "@proxpanel/db/migrate/public";
import { TenantKeyRing } from "@proxpanel/tenancy";
import postgres from "postgres";

export interface BenchTenant extends Database {
  /** The throw-away database's URL and name. */
  url: string;
  dbName: string;
  /** A connection to the server's own database, for pg_stat_activity and the final drop. */
  admin: postgres.Sql;
  clusterKey: string;
  schema: string;
  tenantId: string;
  nasId: string;
  key: Buffer;
  drop(): Promise<void>;
}

export async function createBenchTenant(opts: {
  serverUrl: string;
  /** Names the database, schema and slug, e.g. "acctbench". */
  name: string;
  nasAddress: string;
  secret: string;
}): Promise<BenchTenant> {
  const run = Date.now().toString(36);
  const clusterKey = randomBytes(24).toString("hex");
  const schema = `tenant_${opts.name}_${run}`;
  const admin = postgres(opts.serverUrl, { max: 1, onnotice: () => {} });
  const dbName = `proxpanel_${opts.name}_${run}`;
  await admin.unsafe(`create database "${dbName}"`);
  const dbUrl = new URL(opts.serverUrl);
  dbUrl.pathname = `/${dbName}`;
  const url = dbUrl.toString();
  await migratePublic(url);
  const database = connect(url, { max: 4 });
  const { db, sql } = database;
  await db.transaction((tx) => migrateTenantSchema(tx, schema, { create: true }));
  const [tenant] = await sql<{ id: string }[]>`
    insert into public.tenants (slug, schema_name, company_name, plan, secret)
    values (${`${opts.name}-${run}`}, ${schema}, ${`Bench ${opts.name}`}, 'starter', md5(random()::text)) returning id`;
  if (!tenant) throw new Error("tenant not created");
  const key = await new TenantKeyRing(db, clusterKey).forTenant(tenant.id);
  const [nas] = await sql<{ id: string }[]>`
    insert into ${sql(schema)}.nas_devices (name, ip_address, secret_enc)
    values ('bench', ${opts.nasAddress}, 'pending') returning id`;
  if (!nas) throw new Error("nas not created");
  await sql`update ${sql(schema)}.nas_devices set secret_enc = ${seal(key, opts.secret, `nas:${nas.id}`)} where id = ${nas.id}`;
  await sql`insert into public.nas_routes (nas_id, tenant_id, ip_address) values (${nas.id}, ${tenant.id}, ${opts.nasAddress})`;
  return {
    ...database,
    url,
    dbName,
    admin,
    clusterKey,
    schema,
    tenantId: tenant.id,
    nasId: nas.id,
    key,
    async drop() {
      await database.close();
      await admin.unsafe(`drop database if exists "${dbName}" with (force)`);
      await admin.end();
    },
  };
}
