/**
 * Accounting throughput of the production daemon into a real tenant's radacct: Accounting-Request
 * Start packets, each a new session, from a NAS registered like the API registers one. Reports
 * packets/s (wall), packets per server CPU-second, the same counting the PostgreSQL backends the
 * server used as well, and checks the radacct row count equals the packets sent (none lost).
 * Then the same load against FreeRADIUS 3.2 with rlm_sql on the same PostgreSQL (Debian
 * `freeradius` + `freeradius-postgresql`; skipped when not installed or with --no-freeradius).
 *
 * The client is this process (bench/acct-load.ts): 16 UDP sockets, 128 requests in flight each (--sockets, --window),
 * retransmission after 2 s. Packets are encoded before the clock starts and only re-signed with their identifier when
 * sent, so the client costs a few microseconds per packet (radclient, which re-reads and encodes
 * its input, tops out near the rates measured here on 2 cores).
 *
 * --rollups: instead, Interim-Update packets with growing octet counters for 10,000 open sessions
 * of 1,000 subscribers, through two daemons in turn: traffic roll-ups off (today's write path),
 * then on (session rates + 5-minute and hourly buckets). Besides rows = sessions, "none lost"
 * then means the 5-minute buckets hold exactly the octets the sessions reported.
 *
 * Each round prints CPU per packet of the daemon, its PostgreSQL backends and this client; with
 * --rollups, each phase's updates per table, the share that were HOT and how much the tables grew.
 * --baseline DIR adds a roll-ups-on phase from another checkout, for before/after in one run;
 * --radacct-fillfactor N sets radacct's fillfactor on the throw-away tenant first.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/radius-acct.ts [--packets 50000] [--rounds 3] [--no-freeradius] [--sockets 16] [--window 128] [--profile DIR] [--rollups] [--baseline DIR] [--radacct-fillfactor N]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Code, encodeRequest } from "@proxpanel/radius";
import { freeradiusInstalled, startFreeradius } from "../packages/radius/bench/freeradius.ts";
import { backendCpu, backendCpuDelta, cpuSeconds, median } from "../packages/radius/bench/proc.ts";
import { createFreeradiusDb } from "../packages/radius/bench/sql.ts";
import { AcctBlaster, startAcctServer, startPackets } from "./acct-load.ts";
import { createBenchTenant } from "./bench-tenant.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const PACKETS = arg("packets", 50_000);
const ROUNDS = arg("rounds", 3);
// Requests in flight: SOCKETS x WINDOW. At 10,000 packets/s and ~100 ms per batch commit on a
// loaded machine, fewer than ~1,000 outstanding caps throughput at window / latency, whatever the
// server does; many NAS together keep that many outstanding.
const SOCKETS = arg("sockets", 16);
const WINDOW = arg("window", 128); // in flight per socket
const SECRET = "acct-bench-secret";
const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) throw new Error("DATABASE_URL is required");
// A loopback address of its own, away from the test suites' 127.0.0.x NAS.
const nasAddress = `127.77.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;
// A throw-away database, migrated like the API migrates one, dropped at the end.
const bench = await createBenchTenant({ serverUrl, name: "acctbench", nasAddress, secret: SECRET });
const { url, dbName, admin, clusterKey, schema, sql } = bench;

// --profile DIR: the daemon writes a V8 CPU profile there when it exits.
const profileAt = process.argv.indexOf("--profile");
const profileFlags = profileAt >= 0 ? ["--cpu-prof", `--cpu-prof-dir=${process.argv[profileAt + 1]}`] : [];
const ROLLUPS = process.argv.includes("--rollups");
const STAT_TABLES = ["radacct", "traffic_5m", "traffic_1h", "subscribers"];
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

// --baseline DIR: with --rollups, also a roll-ups-on daemon from another checkout (e.g. a git worktree of
// the previous commit whose node_modules/@proxpanel points into that worktree), in the same run.
const baselineAt = process.argv.indexOf("--baseline");
const baselineScript =
  baselineAt >= 0 ? join(process.argv[baselineAt + 1] ?? ".", "bench", "radius-acct-server.ts") : undefined;
const startServer = (rollups: boolean, script?: string) =>
  startAcctServer({ url, clusterKey, rollups, nodeFlags: profileFlags, script });

const withFreeradius = !ROLLUPS && !process.argv.includes("--no-freeradius") && freeradiusInstalled();

/** Start packets with identifier 0, encoded before the clock starts. */
const packets = (round: number, count: number, nasIp: string) => startPackets(`r${round}`, count, nasIp, SECRET);

const blaster = new AcctBlaster(SECRET, SOCKETS, WINDOW);
const blast = (list: Buffer[], port: number, source: string, onSend?: (buf: Buffer) => void) =>
  blaster.blast(list, port, source, onSend);

interface RoundResult {
  perSec: number;
  perCpu: number;
  perCpuWithPg: number;
  rows: number;
  sent: number;
}

const activity = (database: string) =>
  admin<
    { pid: number }[]
  >`select pid from pg_stat_activity where datname = ${database} and backend_type = 'client backend'`;

/** Warm-up, then ROUNDS rounds; `rows(r)` counts what landed for round r. */
async function measure(
  name: string,
  pid: number,
  port: number,
  source: string,
  nasIp: string,
  database: string,
  rows: (round: number) => Promise<number>,
  make: (round: number, count: number, nasIp: string) => Buffer[] = packets,
  onSend?: (buf: Buffer) => void,
): Promise<RoundResult[]> {
  await blast(make(0, 2000, nasIp), port, source, onSend); // warm-up: JIT, caches, prepared statements
  const results: RoundResult[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const list = make(r, PACKETS, nasIp);
    const pg0 = await backendCpu(activity, database);
    const cpu0 = cpuSeconds(pid);
    const client0 = process.cpuUsage();
    const { answered, seconds } = await blast(list, port, source, onSend);
    const cpu = cpuSeconds(pid) - cpu0;
    const client = process.cpuUsage(client0);
    const clientCpu = (client.user + client.system) / 1e6;
    const pg = backendCpuDelta(pg0, await backendCpu(activity, database));
    const n = await rows(r);
    results.push({
      perSec: answered / seconds,
      perCpu: answered / cpu,
      perCpuWithPg: answered / (cpu + pg),
      rows: n,
      sent: PACKETS,
    });
    const us = (s: number) => ((s / answered) * 1e6).toFixed(1);
    console.log(
      `  ${name} round ${r}: ${PACKETS} sent, ${answered} answered, ${n} rows, ${seconds.toFixed(2)} s wall, ` +
        `${cpu.toFixed(2)} s server CPU + ${pg.toFixed(2)} s PostgreSQL backends (client ${clientCpu.toFixed(2)} s); ` +
        `per packet ${us(cpu)} + ${us(pg)} µs, client ${us(clientCpu)} µs`,
    );
  }
  return results;
}

if (ROLLUPS) {
  await rollupComparison();
  await bench.drop();
  process.exit(0);
}

const server = await startServer(true);
const ours = await measure("proxpanel", server.pid, server.acctPort, nasAddress, nasAddress, dbName, async (r) => {
  const [row] = await sql<{ n: number }[]>`
    select count(*)::int as n from ${sql(schema)}.radacct where acct_session_id like ${`r${r}-%`}`;
  return row?.n ?? 0;
});
await server.stop();

let fr: RoundResult[] | undefined;
if (withFreeradius) {
  const users = Array.from({ length: 1000 }, (_, i) => ({
    name: `user${i}`,
    password: `pass${i}`,
    rateLimit: "10M/10M",
    framedIp: `100.64.${Math.floor(i / 250)}.${(i % 250) + 1}`,
  }));
  const frDb = await createFreeradiusDb(serverUrl, users);
  const dir = mkdtempSync(join(tmpdir(), "radius-acct-bench-"));
  const authPort = 30000 + Math.floor(Math.random() * 20000);
  try {
    const frServer = await startFreeradius({ dir, authPort, secret: SECRET, users, sql: frDb.conn });
    try {
      // FreeRADIUS's bench client entry is 127.0.0.1.
      fr = await measure(
        "freeradius-sql",
        frServer.pid,
        authPort + 1,
        "127.0.0.1",
        "127.0.0.1",
        frDb.conn.database,
        (r) => frDb.countSessions(`r${r}-`),
      );
    } finally {
      await frServer.stop();
    }
  } finally {
    await frDb.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const row = (label: string, rs: RoundResult[]) =>
  `| ${label} (median of ${ROUNDS} x ${PACKETS}) | ${fmt(median(rs.map((r) => r.perSec)))} | ${fmt(
    median(rs.map((r) => r.perCpu)),
  )} | ${fmt(median(rs.map((r) => r.perCpuWithPg)))} | ${rs.every((r) => r.rows === r.sent) ? "yes" : "NO"} |`;
console.log(
  "\n| accounting (Start, new session each) | packets/s | per server CPU-s | per CPU-s incl. PostgreSQL backends | rows = sent |",
);
console.log("|---|---|---|---|---|");
console.log(row("ProxPanel daemon -> tenant radacct", ours));
if (fr) {
  console.log(row("FreeRADIUS 3.2 rlm_sql -> radacct", fr));
  const ratio = (f: (r: RoundResult) => number) => (median(ours.map(f)) / median(fr?.map(f) ?? [1])).toFixed(2);
  console.log(
    `\nratios ProxPanel / FreeRADIUS-rlm_sql, same run: packets/s ${ratio((r) => r.perSec)}x, ` +
      `per server CPU-s ${ratio((r) => r.perCpu)}x, incl. PostgreSQL ${ratio((r) => r.perCpuWithPg)}x`,
  );
} else {
  console.log(
    "| FreeRADIUS rlm_sql side by side | not run (--no-freeradius, or Debian `freeradius` not installed) | | | |",
  );
}
console.log("anchor: FreeRADIUS rlm_sql accounting ~2,500-3,000 packets/s, ~5,400-7,000 per CPU-s (notes)");

await bench.drop();

/**
 * Interim-Update packets for SESSIONS open sessions of 1,000 subscribers; every packet of a round
 * moves its session's counters on by 1,000 / 4,000 octets. `tag` keeps the daemons' sessions apart.
 * Acct-Session-Time is set as each packet is sent (`onSend`): the whole seconds since the session's
 * first packet, as a NAS counts it. (It used to be 60 s more per packet, sent milliseconds apart, so
 * the start time derived from it moved back at every packet: an indexed column changed and every
 * radacct update in the bench was non-HOT, which a NAS's interims never cause.)
 */
function interims(tag: string) {
  const SESSIONS = 10_000;
  const seq = new Map<number, number>();
  // Per packet: its session and where its Acct-Session-Time value sits.
  const where = new WeakMap<Buffer, number>();
  const firstSent = new Float64Array(SESSIONS);
  const make = (_round: number, count: number, nasIp: string): Buffer[] => {
    const out: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      const s = (i * 7919) % SESSIONS;
      const n = (seq.get(s) ?? 0) + 1;
      seq.set(s, n);
      const buf = encodeRequest({
        code: Code.AccountingRequest,
        identifier: 0,
        secret: SECRET,
        attributes: [
          ["Acct-Status-Type", "Interim-Update"],
          ["User-Name", `user${s % 1000}`],
          ["Acct-Session-Id", `${tag}-s${s}`],
          ["NAS-IP-Address", nasIp],
          ["Acct-Session-Time", 0],
          ["Acct-Input-Octets", n * 1000],
          ["Acct-Output-Octets", n * 4000],
        ],
      });
      let o = 20;
      while (o < buf.length && buf[o] !== 46) o += buf[o + 1] as number;
      where.set(buf, s * 4096 + o + 2);
      out.push(buf);
    }
    return out;
  };
  const onSend = (buf: Buffer) => {
    const w = where.get(buf);
    if (w === undefined) return;
    const s = Math.floor(w / 4096);
    const now = performance.now();
    if (!firstSent[s]) firstSent[s] = now;
    buf.writeUInt32BE(Math.floor((now - (firstSent[s] as number)) / 1000), w % 4096);
  };
  return { make, onSend };
}

/** Roll-ups off, then on, same load, same run; both tables must hold every reported octet. */
async function rollupComparison(): Promise<void> {
  // --radacct-fillfactor N: radacct keeps (100 - N) % of each new page free, to weigh a migration
  // (HOT share and growth are printed per phase).
  const ff = arg("radacct-fillfactor", 0);
  if (ff) await sql.unsafe(`alter table "${schema}".radacct set (fillfactor = ${Math.min(100, Math.max(10, ff))})`);
  await sql`
    insert into ${sql(schema)}.subscribers (username, password_enc)
    select 'user' || i, 'unused' from generate_series(0, 999) i`;
  const results: Record<string, RoundResult[]> = {};
  const lost: Record<string, string> = {};
  const phases: [string, boolean, string | undefined][] = [
    ["off", false, undefined],
    ...(baselineScript ? [["base", true, baselineScript] as [string, boolean, string]] : []),
    ["on", true, undefined],
  ];
  // Sessions whose octets the buckets must hold: every roll-ups-on phase so far.
  const rolled: string[] = [];
  const hot: Record<string, string> = {};
  for (const [tag, on, script] of phases) {
    const stats0 = await tableStats();
    const srv = await startServer(on, script);
    const { make, onSend } = interims(tag);
    results[tag] = await measure(
      `roll-ups ${tag}`,
      srv.pid,
      srv.acctPort,
      nasAddress,
      nasAddress,
      dbName,
      async () => {
        const [row] = await sql<{ n: number }[]>`
          select count(*)::int as n from ${sql(schema)}.radacct where acct_session_id like ${`${tag}-%`}`;
        return row?.n ?? 0;
      },
      make,
      onSend,
    );
    await srv.stop();
    // A backend flushes its table statistics when it exits; give the daemon's a moment.
    await new Promise((r) => setTimeout(r, 1000));
    hot[tag] = statsDelta(stats0, await tableStats());
    if (on) rolled.push(tag);
    const [acct] = await sql<{ i: number; o: number; rates: number }[]>`
      select coalesce(sum(input_octets), 0)::float8 as i, coalesce(sum(output_octets), 0)::float8 as o,
        count(rate_in) filter (where acct_session_id like ${`${tag}-%`})::int as rates
      from ${sql(schema)}.radacct where split_part(acct_session_id, '-', 1) = any(${rolled})`;
    const [five] = await sql<{ i: number; o: number; n: number }[]>`
      select coalesce(sum(bytes_in), 0)::float8 as i, coalesce(sum(bytes_out), 0)::float8 as o, count(*)::int as n
      from ${sql(schema)}.traffic_5m`;
    const [hour] = await sql<{ i: number }[]>`
      select coalesce(sum(bytes_in), 0)::float8 as i from ${sql(schema)}.traffic_1h`;
    lost[tag] = on
      ? acct?.i === five?.i && acct?.o === five?.o && acct?.i === hour?.i
        ? `yes (${fmt(five?.i ?? 0)} octets in ${fmt(five?.n ?? 0)} 5-minute rows; ${fmt(acct?.rates ?? 0)} sessions with a rate)`
        : `NO: radacct ${acct?.i}/${acct?.o}, 5-minute ${five?.i}/${five?.o}, hourly ${hour?.i}`
      : `(roll-ups off: ${fmt(five?.n ?? 0)} rows)`;
  }
  const rows = (rs: RoundResult[]) => (rs.every((r) => r.rows === 10_000) ? "yes" : "NO");
  console.log(
    "\n| accounting (Interim-Update, 10,000 open sessions) | packets/s | per server CPU-s | per CPU-s incl. PostgreSQL backends | sessions = rows | octets in buckets = reported |",
  );
  console.log("|---|---|---|---|---|---|");
  for (const [tag] of phases) {
    const rs = results[tag] ?? [];
    console.log(
      `| roll-ups ${tag} (median of ${ROUNDS} x ${PACKETS}) | ${fmt(median(rs.map((r) => r.perSec)))} | ${fmt(
        median(rs.map((r) => r.perCpu)),
      )} | ${fmt(median(rs.map((r) => r.perCpuWithPg)))} | ${rows(rs)} | ${lost[tag]} |`,
    );
  }
  const off = results.off ?? [];
  const on = results.on ?? [];
  const ratio = (f: (r: RoundResult) => number) => (median(on.map(f)) / median(off.map(f))).toFixed(2);
  console.log(
    `\nratios roll-ups on / off, same run: packets/s ${ratio((r) => r.perSec)}x, per server CPU-s ${ratio(
      (r) => r.perCpu,
    )}x, incl. PostgreSQL ${ratio((r) => r.perCpuWithPg)}x; target >= 10,000 packets/s with roll-ups on, none lost`,
  );
  if (baselineScript) {
    const base = results.base ?? [];
    const vs = (f: (r: RoundResult) => number) => (median(on.map(f)) / median(base.map(f))).toFixed(2);
    console.log(
      `ratios this checkout / baseline (${process.argv[baselineAt + 1]}), roll-ups on, same run: packets/s ${vs(
        (r) => r.perSec,
      )}x, per server CPU-s ${vs((r) => r.perCpu)}x, incl. PostgreSQL ${vs((r) => r.perCpuWithPg)}x`,
    );
  }
  console.log("\nper phase (warm-up included): updates, HOT share, growth of table + indexes");
  for (const [tag] of phases) console.log(`  ${tag}: ${hot[tag]}`);
}

type TableStats = Map<string, { upd: number; hot: number; bytes: number }>;

async function tableStats(): Promise<TableStats> {
  const rows = await sql<{ relname: string; upd: string; hot: string; bytes: string }[]>`
    select relname, n_tup_upd as upd, n_tup_hot_upd as hot, pg_total_relation_size(relid) as bytes
    from pg_stat_user_tables where schemaname = ${schema} and relname = any(${STAT_TABLES})`;
  return new Map(rows.map((r) => [r.relname, { upd: Number(r.upd), hot: Number(r.hot), bytes: Number(r.bytes) }]));
}

function statsDelta(a: TableStats, b: TableStats): string {
  return STAT_TABLES.map((t) => {
    const x = a.get(t) ?? { upd: 0, hot: 0, bytes: 0 };
    const y = b.get(t) ?? x;
    const upd = y.upd - x.upd;
    const share = upd ? Math.round(((y.hot - x.hot) / upd) * 100) : 0;
    return `${t} ${fmt(upd)} (${share} % HOT, +${fmt((y.bytes - x.bytes) / 1024)} KiB)`;
  }).join(", ");
}
