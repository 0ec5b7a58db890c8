/**
 * One subscriber's usage chart (`GET /api/subscribers/:id/usage?days=30`, `subscriberUsage`) in a
 * tenant of 1,000 always-on subscribers with a month of sessions (180,000 `radacct` rows) and hourly
 * roll-ups (721,000 `traffic_1h` rows), written in time order as the RADIUS daemon writes them.
 * Prints where the chart's pages go (EXPLAIN (ANALYZE, BUFFERS) of the statement the service
 * function sends, captured from the driver, so it follows any change to the function), then the
 * chart as it is against two variants made here only (no migration adds them): an extra covering
 * index on `traffic_1h` (subscriber_id, bucket) INCLUDE (bytes_in, bytes_out), and the primary key
 * with that INCLUDE instead. Side by side: pages and time per call, and what each costs the
 * roll-ups' hourly upsert (HOT updates, index growth, time for 12 batches of the 1,000 subscribers'
 * hour), since a covering index holds the columns every accounting batch rewrites.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/subscriber-usage.ts [--rounds 20] [--keep]
 *
 * Pages per call are `pg_stat_database` blks_hit + blks_read of the throw-away database (only this
 * process uses it; planning and the time-zone lookup included): they do not depend on the machine's
 * load, the times do.
 */
import { parseArgs } from "node:util";
import { TenantClientCache } from "@proxpanel/db";
import postgres from "postgres";
import { subscriberUsage } from "../apps/api/src/routes/sessions/sessions.ts";
import type { ServiceCtx } from "../apps/api/src/services/context.ts";
import { createBenchTenant } from "./bench-tenant.ts";
import { endBench, fmt, loadText, median, percentile, seedMonthOfUsage, seedSubscribers } from "./lib.ts";

const { values: args } = parseArgs({
  options: {
    rounds: { type: "string", default: "20" },
    /** Leave the database behind (to EXPLAIN by hand); its name is printed. */
    keep: { type: "boolean", default: false },
  },
});
const ROUNDS = Number(args.rounds);
const TZ = "Asia/Kathmandu";

const server = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const bench = await createBenchTenant({ serverUrl: server, name: "subusage", nasAddress: "192.0.2.10", secret: "s" });
const { sql: raw, schema, nasId } = bench;
const q = (name: string) => `"${schema}".${name}`;
try {
  console.log(`load average at start: ${loadText()}`);
  const t0 = performance.now();
  await seedSubscribers(raw, schema, 1000, TZ);
  await seedMonthOfUsage(raw, schema, { from: q("subscribers"), nasId, nasIp: "192.0.2.10", inTimeOrder: true });
  await raw.unsafe(`vacuum analyze ${q("radacct")}, ${q("traffic_1h")}, ${q("subscribers")}`);
  const [sizes] = await raw.unsafe(`
    select (select count(*) from ${q("radacct")}) as radacct, (select count(*) from ${q("traffic_1h")}) as traffic_1h,
      pg_size_pretty(pg_relation_size('${q("radacct")}')) as radacct_size,
      pg_size_pretty(pg_relation_size('${q("traffic_1h")}')) as traffic_1h_size`);
  console.log(`fixture in ${fmt((performance.now() - t0) / 1000)} s: ${JSON.stringify(sizes)}`);

  // One connection for every measured call, so its statistics can be flushed on demand; its debug
  // hook keeps the last statement sent, to EXPLAIN it with the same parameters.
  let last: { query: string; params: unknown[] } | null = null;
  const one = postgres(bench.url, {
    max: 1,
    onnotice: () => {},
    fetch_types: false,
    debug: (_c, query, params) => {
      last = { query, params };
    },
  });
  const bound = new TenantClientCache(one).get(schema);
  const ctx: ServiceCtx = {
    tenant: { ...bound, id: bench.tenantId, slug: "subusage" },
    db: bound.db,
    actor: {
      userId: null,
      permissions: ["subscribers.view"],
      label: "bench",
      ip: null,
      requestId: null,
      resellerId: null,
    },
  };
  const [someone] = await raw.unsafe(`select id from ${q("subscribers")} order by username limit 1`);
  const id = someone?.id as string;
  const chart = () => subscriberUsage({ ctx, input: { id, days: 30 } });

  const pages = async () => {
    const [row] = await bench.admin.unsafe(
      `select blks_hit + blks_read as n from pg_stat_database where datname = '${bench.dbName}'`,
    );
    return Number(row?.n);
  };
  /** Flushes the measured connection's pending statistics (PostgreSQL 15+) and reads the total. */
  const flushed = async () => {
    await one`select pg_stat_force_next_flush()`;
    await one`select 1`;
    await bench.admin`select pg_stat_clear_snapshot()`;
    return pages();
  };
  const measure = async () => {
    const p0 = await flushed();
    const t = performance.now();
    await chart();
    const ms = performance.now() - t;
    return { ms, pages: (await flushed()) - p0 };
  };
  /** The chart's statement (the last one subscriberUsage sends) under EXPLAIN, per plan node. */
  const explain = async () => {
    await chart();
    const stmt = last as { query: string; params: unknown[] } | null;
    if (!stmt) throw new Error("no statement captured");
    const [row] = await one.unsafe(
      `explain (analyze, buffers, format json) ${stmt.query}`,
      stmt.params as postgres.ParameterOrJSON<never>[],
    );
    type Node = Record<string, unknown> & { Plans?: Node[] };
    const plan = (row?.["QUERY PLAN"] as Array<{ Plan: Node }> | undefined)?.[0];
    const lines: string[] = [];
    const walk = (n: Node, depth: number) => {
      const rel = n["Relation Name"] ? ` on ${n["Relation Name"]}` : "";
      const idx = n["Index Name"] ? ` using ${n["Index Name"]}` : "";
      const heap = n["Exact Heap Blocks"] !== undefined ? `, heap blocks ${n["Exact Heap Blocks"]}` : "";
      const fetches = n["Heap Fetches"] !== undefined ? `, heap fetches ${n["Heap Fetches"]}` : "";
      const bufs = Number(n["Shared Hit Blocks"]) + Number(n["Shared Read Blocks"]);
      if (rel || idx)
        lines.push(
          `${"  ".repeat(depth)}${n["Node Type"]}${rel}${idx}: rows ${n["Actual Rows"]}, buffers ${bufs}${heap}${fetches}`,
        );
      for (const c of n.Plans ?? []) walk(c, rel || idx ? depth + 1 : depth);
    };
    if (plan) walk(plan.Plan, 1);
    return { lines, total: Number(plan?.Plan["Shared Hit Blocks"]) + Number(plan?.Plan["Shared Read Blocks"]) };
  };
  const runs = async () => {
    const res: Array<{ ms: number; pages: number }> = [];
    for (let i = 0; i < ROUNDS; i++) res.push(await measure());
    const ms = res.map((x) => x.ms).sort((a, b) => a - b);
    return { p50: median(ms), p95: percentile(ms, 95), pages: median(res.map((x) => x.pages)) };
  };

  /** 12 accounting batches (an hour of 5-minute interims) adding to every subscriber's row of `hour`. */
  const upserts = async (hoursAgo: number) => {
    const stat = async () => {
      await raw`select pg_stat_force_next_flush()`;
      await bench.admin`select pg_stat_clear_snapshot()`;
      const [r] = await raw.unsafe(`
        select n_tup_upd::int as upd, n_tup_hot_upd::int as hot,
          (select sum(pg_relation_size(indexrelid))::float8 from pg_index where indrelid = relid) as idx
        from pg_stat_user_tables where relid = '${q("traffic_1h")}'::regclass`);
      return { upd: Number(r?.upd), hot: Number(r?.hot), idx: Number(r?.idx) };
    };
    await raw.unsafe(`vacuum ${q("traffic_1h")}`);
    const s0 = await stat();
    const t = performance.now();
    for (let i = 0; i < 12; i++)
      await raw.unsafe(`
        insert into ${q("traffic_1h")} as x (bucket, subscriber_id, nas_id, bytes_in, bytes_out)
        select date_trunc('hour', now()) - ${hoursAgo} * interval '1 hour', s.id, '${nasId}'::uuid, 1000, 5000
        from ${q("subscribers")} s
        on conflict (subscriber_id, bucket, nas_id) do update
          set bytes_in = x.bytes_in + excluded.bytes_in, bytes_out = x.bytes_out + excluded.bytes_out`);
    const ms = performance.now() - t;
    const s1 = await stat();
    const upd = s1.upd - s0.upd;
    return `${fmt(ms)} ms, ${s1.hot - s0.hot} of ${upd} updates HOT, indexes +${fmt((s1.idx - s0.idx) / 1024)} KiB`;
  };

  // Each variant: its set-up, then the chart's plan, calls and the upserts on an hour of its own.
  const variants: Array<[string, string | null]> = [
    ["as it is", null],
    [
      "extra covering index",
      `create index bench_traffic_1h_covering on ${q("traffic_1h")} (subscriber_id, bucket) include (bytes_in, bytes_out)`,
    ],
    [
      "primary key INCLUDE",
      `drop index ${q("bench_traffic_1h_covering")};
       alter table ${q("traffic_1h")} drop constraint traffic_1h_pkey,
         add constraint traffic_1h_pkey primary key (subscriber_id, bucket, nas_id) include (bytes_in, bytes_out)`,
    ],
  ];
  const results: Array<{
    name: string;
    plan: Awaited<ReturnType<typeof explain>>;
    calls: Awaited<ReturnType<typeof runs>>;
    writes: string;
  }> = [];
  for (const [i, [name, setup]] of variants.entries()) {
    if (setup) {
      await raw.unsafe(setup);
      await raw.unsafe(`vacuum analyze ${q("traffic_1h")}`);
    }
    results.push({ name, plan: await explain(), calls: await runs(), writes: await upserts(i + 1) });
  }

  for (const r of results) {
    console.log(`\nEXPLAIN (ANALYZE, BUFFERS) of the chart's statement, ${r.name} (${r.plan.total} buffers):`);
    for (const l of r.plan.lines) console.log(l);
  }
  const pad = Math.max(...results.map((r) => r.name.length)) + 1;
  console.log(`\none subscriber's chart, 30 days (${ROUNDS} calls each; load ${loadText()}):`);
  for (const r of results)
    console.log(
      `  ${`${r.name}:`.padEnd(pad)} p50 ${fmt(r.calls.p50)} ms, p95 ${fmt(r.calls.p95)} ms, ${r.calls.pages} pages per call`,
    );
  console.log("hourly roll-up upsert, 12 batches x 1,000 subscribers:");
  for (const r of results) console.log(`  ${`${r.name}:`.padEnd(pad)} ${r.writes}`);
  await one.end();
} finally {
  await endBench(bench, args.keep);
}
