import { type Db, migrateTenantSchema, TenantClientCache } from "@proxpanel/db";
import * as publicSchema from "@proxpanel/db/public/index";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll, expect, it } from "vitest";
import { closeStaleSessions, RADIUS_SUBSCRIBER_CHANNEL, STALE_TERMINATE_CAUSE } from "./radius-stale.ts";

let sql: postgres.Sql;
let db: Db;
let tenantId: string;
const run = Date.now().toString(36);
const schema = `tenant_stale_${run}`;
const INTERIM = 300;
const NOW = new Date("2030-01-01T12:00:00Z");
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

beforeAll(async () => {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("run through vitest");
  sql = postgres(url, { max: 2, onnotice: () => {} });
  db = drizzle(sql, { schema: publicSchema });
  await db.transaction((tx) => migrateTenantSchema(tx, schema, { create: true }));
  const [t] = await sql.unsafe<{ id: string }[]>(
    `insert into public.tenants (slug, schema_name, company_name, plan, secret)
     values ('stale-${run}', '${schema}', 'Stale', 'starter', md5(random()::text)) returning id`,
  );
  if (!t) throw new Error("tenant not created");
  tenantId = t.id;
});

afterAll(async () => {
  await sql.unsafe(`drop schema if exists "${schema}" cascade`);
  await sql.unsafe(`delete from public.tenants where slug = 'stale-${run}'`);
  await sql.end({ timeout: 5 });
});

async function subscriber(name: string): Promise<string> {
  const [s] = await sql.unsafe<{ id: string }[]>(
    `insert into "${schema}".subscribers (username, password_enc) values ('${name}', 'x') returning id`,
  );
  if (!s) throw new Error("subscriber not created");
  return s.id;
}

async function session(key: string, subscriberId: string, ip: string, lastHeard: string): Promise<void> {
  await sql.unsafe(
    `insert into "${schema}".radacct (acct_session_id, acct_unique_id, username, subscriber_id, nas_ip_address,
       framed_ip_address, start_time, update_time)
     values ($1, $1, $1, $2, '10.0.0.1', $3, $4::timestamptz - interval '1 hour', $4)`,
    [key, subscriberId, ip, lastHeard],
  );
}

it("closes sessions silent for 3x the interim interval, at their last update, and frees their pool address", async () => {
  const [pool] = await sql.unsafe<{ id: string }[]>(
    `insert into "${schema}".ip_pools (name, cidr, range_start, range_end)
     values ('main', '100.64.9.0/24', '100.64.9.1', '100.64.9.3') returning id`,
  );
  if (!pool) throw new Error("pool not created");
  const stale = await subscriber("stale-user");
  const fresh = await subscriber("fresh-user");
  const borderline = await subscriber("borderline-user");
  await sql.unsafe(
    `insert into "${schema}".ip_allocations (pool_id, address, subscriber_id, allocated_at)
     values ($1, '100.64.9.1', $2, now()), ($1, '100.64.9.2', $3, now()), ($1, '100.64.9.3', $4, now())`,
    [pool.id, stale, fresh, borderline],
  );
  await session("s-stale", stale, "100.64.9.1", minutesAgo(16)); // > 15 min silent
  await session("s-fresh", fresh, "100.64.9.2", minutesAgo(4));
  await session("s-border", borderline, "100.64.9.3", minutesAgo(14));

  const published: string[] = [];
  const results = await closeStaleSessions(
    {
      db,
      tenantClients: new TenantClientCache(sql),
      publish: async (channel, message) => {
        published.push(`${channel} ${message}`);
      },
    },
    { interimIntervalSeconds: INTERIM, now: NOW, tenantIds: [tenantId] },
  );
  expect(results).toEqual([{ tenantId, closed: 1, released: 1 }]);

  const rows = await sql.unsafe<{ acct_unique_id: string; stop_time: string | null; terminate_cause: string | null }[]>(
    `select acct_unique_id, to_json(stop_time) #>> '{}' as stop_time, terminate_cause
     from "${schema}".radacct order by acct_unique_id`,
  );
  const byKey = Object.fromEntries(rows.map((r) => [r.acct_unique_id, r]));
  expect(byKey["s-stale"]?.terminate_cause).toBe(STALE_TERMINATE_CAUSE);
  expect(new Date(byKey["s-stale"]?.stop_time ?? 0).toISOString()).toBe(minutesAgo(16));
  expect(byKey["s-fresh"]?.stop_time).toBeNull();
  expect(byKey["s-border"]?.stop_time).toBeNull();

  const leases = await sql.unsafe<{ address: string; subscriber_id: string | null }[]>(
    `select host(address) as address, subscriber_id from "${schema}".ip_allocations order by address`,
  );
  expect(leases).toEqual([
    { address: "100.64.9.1", subscriber_id: null },
    { address: "100.64.9.2", subscriber_id: fresh },
    { address: "100.64.9.3", subscriber_id: borderline },
  ]);
  expect(published).toEqual([`${RADIUS_SUBSCRIBER_CHANNEL} ${JSON.stringify({ tenantId })}`]);

  // A second pass finds nothing more to do.
  const again = await closeStaleSessions(
    { db, tenantClients: new TenantClientCache(sql) },
    { interimIntervalSeconds: INTERIM, now: NOW, tenantIds: [tenantId] },
  );
  expect(again).toEqual([]);
});
