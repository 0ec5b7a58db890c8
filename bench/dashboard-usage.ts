/**
 * The dashboard's usage chart (`GET /api/sessions/usage?days=30`, the service function behind it)
 * on a tenant with a month of sessions, before (summing the month's `radacct` per call, the code
 * up to this change, copied below) and after (the tenant-wide 15-minute table `usage_15m`, kept up
 * to date from the roll-ups), alternating in one run. Also the per-subscriber chart (radacct vs
 * hourly roll-ups) and a reseller's. Prints wall time per call and the database pages each call
 * touches (`pg_stat_database` blks_hit + blks_read of the throw-away database, which only this
 * process uses): the pages do not depend on the machine's load, the times do.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/dashboard-usage.ts [--active 100] [--rounds 20]
 *
 * Fixture (as the scale run's full tenants): 1,000 subscribers, `--active` of them with a session
 * every 4 h for 30 days (3 h 55 min each, interims), so 180 sessions each (100 active: 18,000
 * radacct rows); they are online around the clock, so each has a traffic_1h row per hour (720 a
 * month) and traffic_5m rows for the last 48 hours, as the RADIUS daemon writes them. The tenant's
 * zone is Asia/Kathmandu (UTC+5:45).
 */
import { parseArgs } from "node:util";
import { TenantClientCache } from "@proxpanel/db";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { subscriberUsage, tenantUsage } from "../apps/api/src/routes/sessions/sessions.ts";
import type { ServiceCtx } from "../apps/api/src/services/context.ts";
import { createBenchTenant } from "./bench-tenant.ts";
import { endBench, fmt, loadText, median, percentile, seedMonthOfUsage, seedSubscribers } from "./lib.ts";

const { values: args } = parseArgs({
  options: {
    active: { type: "string", default: "100" },
    rounds: { type: "string", default: "20" },
    /** Leave the database behind (to EXPLAIN by hand); its name is printed. */
    keep: { type: "boolean", default: false },
  },
});
const ACTIVE = Number(args.active);
const ROUNDS = Number(args.rounds);
const TZ = "Asia/Kathmandu";

const server = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const bench = await createBenchTenant({ serverUrl: server, name: "usagebench", nasAddress: "192.0.2.9", secret: "s" });
const { sql: raw, schema, nasId } = bench;
try {
  console.log(`load average at start: ${loadText()}`);
  const t0 = performance.now();
  await seedSubscribers(raw, schema, 1000, TZ);
  // A tenth of the subscribers belong to a reseller (its chart is measured too).
  await raw.unsafe(`
    update "${schema}".subscribers set reseller_id = '00000000-0000-4000-8000-0000000000bb'
    where id in (select id from "${schema}".subscribers order by username limit 100)`);
  const active = `(select id, username from "${schema}".subscribers order by username limit ${ACTIVE})`;
  await seedMonthOfUsage(raw, schema, { from: active, nasId, nasIp: "192.0.2.9", inTimeOrder: false });
  await raw.unsafe(`
    insert into "${schema}".traffic_5m (bucket, subscriber_id, nas_id, bytes_in, bytes_out)
    select to_timestamp(floor(extract(epoch from now() - interval '48 hours') / 300) * 300) + f * interval '5 minutes',
      s.id, '${nasId}'::uuid, (random() * 2e7)::bigint, (random() * 1e8)::bigint
    from ${active} s, generate_series(0, 576) f`);
  await raw.unsafe(
    `vacuum analyze "${schema}".radacct, "${schema}".traffic_1h, "${schema}".traffic_5m, "${schema}".subscribers`,
  );
  const [sizes] = await raw.unsafe(`
    select (select count(*) from "${schema}".radacct) as radacct, (select count(*) from "${schema}".traffic_1h) as h,
      (select count(*) from "${schema}".traffic_5m) as f,
      pg_size_pretty(pg_relation_size('"${schema}".radacct')) as radacct_size,
      pg_size_pretty(pg_relation_size('"${schema}".traffic_1h')) as h_size`);
  console.log(`fixture in ${fmt((performance.now() - t0) / 1000)} s: ${JSON.stringify(sizes)}`);

  // One connection for every measured call, so its statistics can be flushed on demand.
  const one = postgres(bench.url, { max: 1, onnotice: () => {}, fetch_types: false });
  const clients = new TenantClientCache(one);
  const bound = clients.get(schema);
  const actor = { userId: null, permissions: ["sessions.view"], label: "bench", ip: null, requestId: null };
  const owner: ServiceCtx = {
    tenant: { ...bound, id: bench.tenantId, slug: "usagebench" },
    db: bound.db,
    actor: { ...actor, resellerId: null },
  };
  const reseller: ServiceCtx = { ...owner, actor: { ...actor, resellerId: "00000000-0000-4000-8000-0000000000bb" } };
  const [someone] = await raw.unsafe(`select id from "${schema}".subscribers order by username limit 1`);
  const subId = someone?.id as string;

  /** The code before this change: totals by session start, from radacct, per call. */
  const before = async (filter?: "reseller" | "subscriber") => {
    const r = bound.t.radacct;
    const f =
      filter === "reseller"
        ? sql`and ${r.subscriberId} in (select id from ${bound.t.subscribers} where reseller_id = '00000000-0000-4000-8000-0000000000bb')`
        : filter === "subscriber"
          ? sql`and ${r.subscriberId} = ${subId}::uuid`
          : sql``;
    const firstDay = sql`(now() at time zone ${TZ})::date - 29`;
    return bound.db.execute(sql`
      with agg as (
        select (${r.startTime} at time zone ${TZ})::date as day, sum(${r.inputOctets})::float8 as i,
          sum(${r.outputOctets})::float8 as o, count(*)::int as n
        from ${r} where ${r.startTime} >= (${firstDay})::timestamp at time zone ${TZ} ${f} group by 1
      )
      select to_char(d, 'YYYY-MM-DD') as day, coalesce(agg.i, 0), coalesce(agg.o, 0), coalesce(agg.n, 0)
      from generate_series((${firstDay})::timestamp, (now() at time zone ${TZ})::date::timestamp, interval '1 day') d
      left join agg on agg.day = d::date order by d`);
  };

  const pages = async () => {
    const [row] = await bench.admin.unsafe(
      `select blks_hit + blks_read as n, blks_read as r from pg_stat_database where datname = '${bench.dbName}'`,
    );
    return { n: Number(row?.n), r: Number(row?.r) };
  };
  /** Flushes the measured connection's pending statistics (PostgreSQL 15+) and reads the total. */
  const flushed = async () => {
    await one`select pg_stat_force_next_flush()`;
    await one`select 1`;
    await bench.admin`select pg_stat_clear_snapshot()`;
    return pages();
  };
  /** Time and database pages (shared buffer hits + reads) of one call. */
  const measure = async (fn: () => Promise<unknown>) => {
    const p0 = await flushed();
    const t = performance.now();
    await fn();
    const ms = performance.now() - t;
    const p1 = await flushed();
    return { ms, pages: p1.n - p0.n };
  };

  // The first call after the upgrade fills usage_15m for 92 days (radacct before the roll-ups,
  // hourly roll-ups, 5-minute roll-ups for the last 47 hours): a one-off per tenant.
  const first = await measure(() => tenantUsage({ ctx: owner, input: { days: 30 } }));
  console.log(
    `first call after the upgrade (fills 92 days of usage_15m): ${fmt(first.ms)} ms, ${first.pages} pages; load ${loadText()}`,
  );

  const cases: Array<[string, () => Promise<unknown>, () => Promise<unknown>]> = [
    ["tenant (owner), 30 days", () => before(), () => tenantUsage({ ctx: owner, input: { days: 30 } })],
    [
      "reseller (100 subscribers), 30 days",
      () => before("reseller"),
      () => tenantUsage({ ctx: reseller, input: { days: 30 } }),
    ],
    [
      "one subscriber, 30 days",
      () => before("subscriber"),
      () => subscriberUsage({ ctx: owner, input: { id: subId, days: 30 } }),
    ],
  ];
  for (const [name, a, b] of cases) {
    const res: Record<"before" | "after", Array<{ ms: number; pages: number }>> = { before: [], after: [] };
    for (let i = 0; i < ROUNDS; i++) {
      res.before.push(await measure(a));
      res.after.push(await measure(b));
    }
    const line = (k: "before" | "after") => {
      const ms = res[k].map((x) => x.ms).sort((x, y) => x - y);
      return `p50 ${fmt(median(ms))} ms, p95 ${fmt(percentile(ms, 95))} ms, pages ${median(res[k].map((x) => x.pages))}`;
    };
    console.log(
      `${name}: before ${line("before")} | after ${line("after")} (${ROUNDS} alternating rounds; load ${loadText()})`,
    );
  }
  await one.end();
} finally {
  await endBench(bench, args.keep);
}
