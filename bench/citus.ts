/**
 * The same figures on plain PostgreSQL and on the local 3-node Citus cluster (infra/citus/cluster.sh:
 * coordinator + 2 workers, all on this machine), in one run, side by side:
 *   - onboarding: a tenant schema created and migrated (distributed on Citus), p50/p95 of BENCH_TENANTS;
 *   - subscriber list: the list page query as the API sends it (schema-qualified, 50 rows, count), req/s
 *     at concurrency 8 for BENCH_SECONDS, straight to the database (no HTTP);
 *   - backup and restore of the anchor tenant (1,000 subscribers, 180,000 radacct, 6,000 invoices; the
 *     fixture of packages/backup/bench/tenant.ts) with our archive (packages/backup/bench/run-one.ts);
 *   - Citus only: moving that tenant to the other worker and back (citus_schema_move), in both
 *     transfer modes one after the other: `auto` (logical replication; the local cluster runs
 *     wal_level = logical) and `block_writes`;
 *   - RADIUS accounting packets/s: Starts from the production daemon into the same tenant in both
 *     databases (on a worker in Citus), rounds alternating between the two, none lost
 *     (bench/citus-acct.ts; BENCH_ACCT_ROUNDS x BENCH_ACCT_PACKETS, default 3 x 20,000).
 *
 *   npm run bench:citus [-- --acct-only | --no-acct]   (DATABASE_URL = the plain server, default postgres://postgres@127.0.0.1:5432/postgres)
 * --acct-only: only the accounting figure (the databases are made and migrated, nothing else measured);
 * --no-acct: everything but the accounting figure.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { connect, migrateTenantSchema } from "@proxpanel/db";
import { migratePublic } from "@proxpanel/db/migrate/public";
import postgres from "postgres";
import { accountingSideBySide } from "./citus-acct.ts";
import { fmt, percentile } from "./lib.ts";

const plainServer = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const tenantsN = Number(process.env.BENCH_TENANTS ?? 20);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const acctRounds = Number(process.env.BENCH_ACCT_ROUNDS ?? 3);
const acctPackets = Number(process.env.BENCH_ACCT_PACKETS ?? 20_000);
const acctOnly = process.argv.includes("--acct-only");
const noAcct = process.argv.includes("--no-acct");
const dbName = "proxpanel_bench_citus";
const anchor = "tenant_bench_anchor";
const dir = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-citus-bench-"));
const cluster = (...args: string[]) =>
  execFileSync("bash", ["infra/citus/cluster.sh", ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();

interface Figures {
  onboardP50: number;
  onboardP95: number;
  listRps: number;
  backupS: number;
  restoreS: number;
  moves?: Record<Mode, { there: Move; back: Move }>;
}

async function plainDatabase(): Promise<string> {
  const admin = postgres(plainServer, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.unsafe(`create database ${dbName}`);
  await admin.end();
  const u = new URL(plainServer);
  u.pathname = `/${dbName}`;
  return u.toString();
}

async function citusDatabase(): Promise<string> {
  cluster("build");
  cluster("start");
  cluster("drop-database", dbName);
  const url = cluster("database", dbName).split("\n").at(-1) ?? "";
  // Every schema created in this database becomes a distributed schema (what onboarding does on Citus).
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`alter database ${dbName} set citus.enable_schema_based_sharding = on`);
  await admin.end();
  return url;
}

/** The anchor tenant, as packages/backup/bench/tenant.ts builds it. */
async function anchorFixture(url: string): Promise<void> {
  const database = connect(url, { max: 1 });
  await database.db.transaction((tx) => migrateTenantSchema(tx, anchor, { create: true }));
  const s = `"${anchor}"`;
  await database.sql.unsafe(`
    insert into ${s}.subscribers (username, password_enc, status, expires_at, full_name, email, phone, balance_cents)
      select 'user' || i, 'v1.' || md5(i::text), (array['active','active','active','disabled'])[1 + i % 4],
        now() + (i % 60) * interval '1 day', 'Subscriber ' || i, 'user' || i || '@isp.test',
        '+961 70 ' || lpad(i::text, 6, '0'), (i % 97) * 125
      from generate_series(1, 1000) i`);
  await database.sql.unsafe(`
    insert into ${s}.nas_devices (name, ip_address, secret_enc)
      select 'nas' || i, ('192.168.0.' || i)::inet, 'v1.bench' from generate_series(1, 4) i`);
  await database.sql.unsafe(`
    insert into ${s}.radacct (acct_session_id, acct_unique_id, username, subscriber_id, nas_id, nas_ip_address, nas_port_id,
        framed_ip_address, start_time, update_time, stop_time, session_time, input_octets, output_octets, terminate_cause)
      select lpad(to_hex(i), 8, '0'), n.id || '/' || sub.username || '/' || lpad(to_hex(i), 8, '0'), sub.username, sub.id,
        n.id, n.ip_address, 'eth0.' || (i % 4000), ('10.' || (i % 1000 / 256) || '.' || (i % 256) || '.1')::inet,
        ts, ts + interval '5 minutes', case when i <= 179400 then ts + (i % 7200) * interval '1 second' end,
        i % 7200, (i::bigint * 7919) % 5000000000, (i::bigint * 104729) % 20000000000,
        case when i <= 179400 then 'User-Request' end
      from (select i, now() - interval '180 days' + i * interval '86 seconds' as ts from generate_series(1, 180000) i) g
      join ${s}.subscribers sub on sub.username = 'user' || (1 + i % 1000)
      join ${s}.nas_devices n on n.name = 'nas' || (1 + i % 4)`);
  await database.sql.unsafe(`
    insert into ${s}.invoices (number, subscriber_id, amount_cents, status, description, period_start, period_end, due_at)
      select i, null, 2500 + (i % 5) * 1000, (array['paid','paid','unpaid','void'])[1 + i % 4], 'Monthly service ' || i,
        d, d + interval '30 days', d + interval '7 days'
      from (select i, now() - (i / 1000) * interval '30 days' as d from generate_series(1, 6000) i) g`);
  await database.sql.unsafe(`analyze ${s}.subscribers; analyze ${s}.radacct; analyze ${s}.invoices`);
  await database.close();
}

async function onboarding(url: string): Promise<number[]> {
  const database = connect(url, { max: 2 });
  const ms: number[] = [];
  const run = Date.now().toString(36);
  for (let i = 0; i < tenantsN; i++) {
    const t0 = performance.now();
    await database.db.transaction((tx) => migrateTenantSchema(tx, `tenant_onb_${run}_${i}`, { create: true }));
    ms.push(performance.now() - t0);
  }
  await database.close();
  return ms.sort((a, b) => a - b);
}

async function listRate(url: string): Promise<number> {
  const sql = postgres(url, { max: 8, onnotice: () => {} });
  const s = sql(anchor);
  const until = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: 8 }, async (_, w) => {
      for (let page = w; performance.now() < until; page += 8) {
        await sql`select id, username, status, expires_at, full_name, balance_cents, (select count(*) from ${s}.subscribers) as total
                    from ${s}.subscribers order by username limit 50 offset ${(page % 20) * 50}`;
        done++;
      }
    }),
  );
  await sql.end();
  return done / seconds;
}

function archive(op: "backup" | "restore", url: string, schema: string, file: string): number {
  const out = execFileSync("npx", ["tsx", "packages/backup/bench/run-one.ts", op, url, schema, file], {
    encoding: "utf8",
  });
  return (JSON.parse(out.trim().split("\n").at(-1) as string) as { seconds: number }).seconds;
}

type Mode = "auto" | "block_writes";

interface Move {
  /** Seconds the move took. */
  s: number;
  /** Writes to the tenant (one connection, one after another) answered while it ran. */
  writes: number;
  /** The longest any of them waited, in seconds. */
  maxWaitS: number;
}

/**
 * Moves the anchor to the other worker and back, in each mode, while one connection updates a
 * subscriber of it over and over (no statement timeout): how long each move takes, how many writes
 * went through meanwhile, and the longest a write waited (the whole copy with block_writes, the
 * switch with auto).
 */
async function moves(url: string): Promise<Record<Mode, { there: Move; back: Move }>> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const writer = postgres(url, { max: 1, onnotice: () => {} });
  const [from] = await sql<{ host: string; port: number }[]>`
    select distinct n.nodename as host, n.nodeport as port from citus_shards s join pg_dist_node n
      on n.nodename = s.nodename and n.nodeport = s.nodeport where s.table_name = ${`${anchor}.radacct`}::regclass`;
  const [to] = await sql<{ host: string; port: number }[]>`
    select nodename as host, nodeport as port from pg_dist_node
     where groupid <> 0 and noderole = 'primary' and nodeport <> ${from?.port ?? 0} limit 1`;
  if (!from || !to) throw new Error("need two workers");
  const s = writer(anchor);
  const time = async (n: { host: string; port: number }, mode: Mode): Promise<Move> => {
    let moving = true;
    let writes = 0;
    let maxWait = 0;
    const writing = (async () => {
      while (moving) {
        const w0 = performance.now();
        await writer`update ${s}.subscribers set balance_cents = balance_cents + 1 where username = 'user1'`;
        maxWait = Math.max(maxWait, performance.now() - w0);
        if (moving) writes++;
      }
    })();
    const t0 = performance.now();
    try {
      await sql`select citus_schema_move(${anchor}::regnamespace, ${n.host}, ${n.port}, ${mode}::citus.shard_transfer_mode)`;
    } finally {
      moving = false;
    }
    const took = (performance.now() - t0) / 1000;
    await writing;
    return { s: took, writes, maxWaitS: maxWait / 1000 };
  };
  const auto = { there: await time(to, "auto"), back: await time(from, "auto") };
  const block = { there: await time(to, "block_writes"), back: await time(from, "block_writes") };
  await sql.end();
  await writer.end();
  return { auto, block_writes: block };
}

async function measure(label: string, url: string, citus: boolean): Promise<Figures> {
  await migratePublic(url);
  const t0 = performance.now();
  await anchorFixture(url);
  console.log(`${label}: load ${loadavg()} at start`);
  console.log(`${label}: anchor fixture in ${fmt((performance.now() - t0) / 1000)} s`);
  const onb = await onboarding(url);
  const listRps = await listRate(url);
  const file = path.join(dir, `${label}.proisp.bak`);
  const backupS = archive("backup", url, anchor, file);
  const restoreS = archive("restore", url, `${anchor}_r`, file);
  const f: Figures = {
    onboardP50: percentile(onb, 50),
    onboardP95: percentile(onb, 95),
    listRps,
    backupS,
    restoreS,
  };
  if (citus) {
    f.moves = await moves(url);
  }
  console.log(`${label}: ${JSON.stringify(f)} (load ${loadavg()})`);
  return f;
}

const loadavg = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(" ");

try {
  const plainUrl = await plainDatabase();
  const citusUrl = await citusDatabase();
  let plain: Figures | undefined;
  let citus: Figures | undefined;
  if (acctOnly) {
    await migratePublic(plainUrl);
    await migratePublic(citusUrl);
  } else {
    plain = await measure("plain", plainUrl, false);
    citus = await measure("citus", citusUrl, true);
  }
  const loadBefore = loadavg();
  const acct = noAcct
    ? undefined
    : await accountingSideBySide(plainUrl, citusUrl, { rounds: acctRounds, packets: acctPackets });
  const row = (name: string, a: number | undefined, b: number | undefined, digits = 1) =>
    console.log(
      `| ${name.padEnd(38)} | ${a === undefined ? "—".padStart(10) : fmt(a, digits).padStart(10)} | ${b === undefined ? "—".padStart(10) : fmt(b, digits).padStart(10)} | ${a && b ? `${fmt(b / a, 2)}×` : ""}`,
    );
  console.log(
    `\nnode ${process.version}, ${os.cpus().length} cores, load ${loadavg()} (before accounting ${loadBefore})`,
  );
  console.log(`| figure                                 |      plain |      citus | citus/plain`);
  if (plain && citus) {
    row(`onboarding p50 (ms, ${tenantsN} tenants)`, plain.onboardP50, citus.onboardP50, 0);
    row("onboarding p95 (ms)", plain.onboardP95, citus.onboardP95, 0);
    row("subscriber list page (req/s, 8 conc.)", plain.listRps, citus.listRps, 0);
    row("anchor backup (s)", plain.backupS, citus.backupS, 2);
    row("anchor restore (s)", plain.restoreS, citus.restoreS, 2);
  }
  for (const [mode, m] of Object.entries(citus?.moves ?? {})) {
    for (const [way, x] of Object.entries(m)) {
      console.log(
        `anchor move ${way.padEnd(5)} ${mode.padEnd(12)}: ${fmt(x.s, 2)} s; ${x.writes} writes answered meanwhile, longest wait ${fmt(x.maxWaitS, 2)} s`,
      );
    }
  }
  if (acct) {
    row(
      `accounting Starts (packets/s, median of ${acctRounds})`,
      acct.plain.packetsPerSec,
      acct.citus.packetsPerSec,
      0,
    );
    row("accounting per daemon CPU-s", acct.plain.perDaemonCpu, acct.citus.perDaemonCpu, 0);
    console.log(
      `accounting: ${acctRounds} x ${acctPackets} Starts each side; rows = sent: plain ${acct.plain.noneLost ? "yes" : "NO"}, ` +
        `citus ${acct.citus.noneLost ? "yes" : "NO"}; tenant's radacct on ${acct.citus.placement} (Citus worker)`,
    );
    if (!acct.plain.noneLost || !acct.citus.noneLost) process.exitCode = 1;
  }
} finally {
  await fs.rm(dir, { recursive: true, force: true });
  const admin = postgres(plainServer, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
  if (process.env.BENCH_KEEP !== "1") cluster("drop-database", dbName);
}
