/**
 * RADIUS auth per CPU-second with the issue-19 checks on, against today's path, in ONE run of the
 * production daemon (DbDataSource, bench/radius-acct-server.ts): the daemon and its PostgreSQL
 * backends are the same for both, only the accounts asked for differ.
 *
 *   plain:    PAP for subscribers without limits (today's figure, as bench/radius-auth-db.ts)
 *   features: PAP for a half-and-half mix of hotspot vouchers (code as username and password,
 *             time + data limit, validity running) and subscribers with Simultaneous-Use 2 and one
 *             open session each in radacct (so every request is counted, and accepted)
 *
 * Rounds alternate (plain first in odd rounds, features first in even ones) so drift in the
 * shared machine's load hits both; medians of `--rounds` (≥ 3). Same client as the other auth
 * benches: radclient -p 128, 4 files × 5,000 requests per round and kind.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/radius-auth-features.ts [--rounds 3]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { seal } from "@proxpanel/auth";
import { backendCpu, backendCpuDelta, cpuSeconds, median } from "../packages/radius/bench/proc.ts";
import { radclientFile } from "../packages/radius/bench/radclient-file.ts";
import { createBenchTenant } from "./bench-tenant.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = Math.max(3, arg("rounds", 3));
const USERS = 1000;
const PER_FILE = 5000;
const FILES = 4;
const SECRET = "bench-secret";
const TARGET = 0.9;
const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) throw new Error("DATABASE_URL is required");
const bench = await createBenchTenant({ serverUrl, name: "authfeat", nasAddress: "127.0.0.1", secret: SECRET });
const { url, dbName, admin, clusterKey, schema, sql, key, nasId } = bench;

// Plain subscribers (user0..) and Simultaneous-Use ones (lim0..), passwords sealed as the API does.
const subs = await sql<{ id: string; username: string }[]>`
  insert into ${sql(schema)}.subscribers (username, password_enc, static_ip, simultaneous_use)
  select 'user' || i, 'pending', ('100.64.' || (i / 250) || '.' || (i % 250 + 1))::inet, null
  from generate_series(0, ${USERS - 1}) i
  union all
  select 'lim' || i, 'pending', ('100.65.' || (i / 250) || '.' || (i % 250 + 1))::inet, 2
  from generate_series(0, ${USERS / 2 - 1}) i
  union all
  select 'full', 'pending', null, 1
  returning id, username`;
const sealed = subs.map((s) => [s.id, seal(key, `pass-${s.username}`, `subscriber:${s.id}`)]);
await sql`
  update ${sql(schema)}.subscribers as s set password_enc = v.enc
  from (select (e->>0)::uuid as id, e->>1 as enc from jsonb_array_elements(${JSON.stringify(sealed)}::jsonb) e) v
  where s.id = v.id`;
// One fresh open session per limited subscriber: the check has something to count and still admits.
await sql`
  insert into ${sql(schema)}.radacct
    (acct_session_id, acct_unique_id, username, subscriber_id, nas_id, nas_ip_address, start_time, update_time)
  select 'open-' || username, 'open-' || username, username, id, ${nasId}::uuid, '127.0.0.1', now() - interval '1 hour', now()
  from ${sql(schema)}.subscribers where simultaneous_use is not null`;
const [batch] = await sql<{ id: string }[]>`
  insert into ${sql(schema)}.voucher_batches
    (name, count, time_limit_s, data_limit_bytes, rate_limit, validity_s, code_length, alphabet, prefix)
  values ('bench', ${USERS / 2}, 86400, 10000000000, '2M/2M', 2592000, 8, '0123456789', 'V') returning id`;
if (!batch) throw new Error("batch not created");
await sql`
  insert into ${sql(schema)}.vouchers (batch_id, code)
  select ${batch.id}::uuid, 'V' || lpad(i::text, 8, '0') from generate_series(0, ${USERS / 2 - 1}) i`;

const voucher = (i: number) => `V${String(i).padStart(8, "0")}`;
const request = (user: string, password: string) =>
  `User-Name = "${user}"\nUser-Password = "${password}"\nMessage-Authenticator = 0x00\n`;
const dir = mkdtempSync(join(tmpdir(), "radius-auth-features-"));
const write = (kind: string, line: (n: number) => string) =>
  Array.from({ length: FILES }, (_, f) => {
    const lines = Array.from({ length: PER_FILE }, (_, i) => line(f * PER_FILE + i));
    const file = join(dir, `${kind}-${f}.txt`);
    writeFileSync(file, lines.join("\n"));
    return file;
  });
const plainFiles = write("plain", (n) => request(`user${n % USERS}`, `pass-user${n % USERS}`));
const featureFiles = write("features", (n) => {
  const i = Math.floor(n / 2) % (USERS / 2);
  return n % 2 === 0 ? request(voucher(i), voucher(i)) : request(`lim${i}`, `pass-lim${i}`);
});

const server = spawn(
  process.execPath,
  ["--import", "tsx", fileURLToPath(new URL("./radius-acct-server.ts", import.meta.url))],
  { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, DATABASE_URL: url, BENCH_CLUSTER_KEY: clusterKey } },
);
const line = await new Promise<string>((resolve, reject) => {
  if (!server.stdout) return reject(new Error("no stdout"));
  createInterface({ input: server.stdout }).once("line", resolve);
  server.once("exit", (code) => reject(new Error(`server exited ${code}`)));
});
const { authPort } = JSON.parse(line) as { authPort: number };
const activity = (database: string) =>
  admin<
    { pid: number }[]
  >`select pid from pg_stat_activity where datname = ${database} and backend_type = 'client backend'`;
const pid = server.pid ?? 0;

interface Round {
  perSec: number;
  perCpu: number;
  perCpuWithPg: number;
  accepted: number;
}
const results = { plain: [] as Round[], features: [] as Round[] };
const sent = FILES * PER_FILE;

async function round(kind: keyof typeof results, files: string[], r: number): Promise<void> {
  const pg0 = await backendCpu(activity, dbName);
  const cpu0 = cpuSeconds(pid);
  const t0 = process.hrtime.bigint();
  let accepted = 0;
  let lost = 0;
  for (const f of files) {
    const res = await radclientFile(authPort, f, SECRET);
    accepted += res.accepted;
    lost += res.lost;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // The auth log is written within 200 ms of the last request; wait for it before reading PostgreSQL.
  await new Promise((res) => setTimeout(res, 500));
  const cpu = cpuSeconds(pid) - cpu0;
  const pg = backendCpuDelta(pg0, await backendCpu(activity, dbName));
  results[kind].push({
    perSec: accepted / seconds,
    perCpu: accepted / cpu,
    perCpuWithPg: accepted / (cpu + pg),
    accepted,
  });
  console.log(
    `  round ${r} ${kind.padEnd(8)}: ${sent} req, ${accepted} accepted, ${lost} lost, ${seconds.toFixed(2)} s wall, ` +
      `${cpu.toFixed(2)} s daemon CPU + ${pg.toFixed(2)} s PostgreSQL backends (load ${loadavg()[0]?.toFixed(1)})`,
  );
}

// The check is really on: 'full' (limit 1, one open session) is refused.
const probe = join(dir, "full.txt");
writeFileSync(probe, request("full", "pass-full"));
const fullAccepted = (await radclientFile(authPort, probe, SECRET)).accepted;
if (fullAccepted !== 0) throw new Error("Simultaneous-Use did not refuse a subscriber at its limit");
// Warm-up: tenant snapshot, password unsealing, JIT, and every voucher's first use (its write).
await radclientFile(authPort, plainFiles[0] as string, SECRET);
await radclientFile(authPort, featureFiles[0] as string, SECRET);
await new Promise((res) => setTimeout(res, 1000));
const loadAtStart = loadavg()[0] ?? 0;
for (let r = 1; r <= ROUNDS; r++) {
  if (r % 2 === 1) {
    await round("plain", plainFiles, r);
    await round("features", featureFiles, r);
  } else {
    await round("features", featureFiles, r);
    await round("plain", plainFiles, r);
  }
}
const loadAtEnd = loadavg()[0] ?? 0;
const [started] = await sql<{ n: number }[]>`
  select count(*)::int as n from ${sql(schema)}.vouchers where first_used_at is not null`;
server.stdin?.end();
await new Promise((r) => server.once("exit", r));

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const m = (kind: keyof typeof results, k: keyof Round) => median(results[kind].map((x) => x[k]));
console.log(
  `\n| PAP, production daemon, median of ${ROUNDS} × ${sent} | requests/s | per daemon CPU-s | per CPU-s incl. PostgreSQL backends |`,
);
console.log("|---|---|---|---|");
for (const kind of ["plain", "features"] as const) {
  const label = kind === "plain" ? "plain subscribers (today)" : "vouchers + Simultaneous-Use";
  console.log(`| ${label} | ${fmt(m(kind, "perSec"))} | ${fmt(m(kind, "perCpu"))} | ${fmt(m(kind, "perCpuWithPg"))} |`);
}
const ratio = (k: keyof Round) => m("features", k) / m("plain", k);
const verdict = (x: number) => (x >= TARGET ? "met" : "NOT met");
console.log(
  `| features / plain | ${ratio("perSec").toFixed(2)}× | **${ratio("perCpu").toFixed(2)}×** (target ≥ ${TARGET}×: ${verdict(
    ratio("perCpu"),
  )}) | **${ratio("perCpuWithPg").toFixed(2)}×** (target ≥ ${TARGET}×: ${verdict(ratio("perCpuWithPg"))}) |`,
);
const allAccepted = [...results.plain, ...results.features].every((x) => x.accepted === sent);
console.log(
  `every request accepted: ${allAccepted ? "yes" : "NO"}; a subscriber at its limit refused: yes; vouchers started: ${started?.n ?? 0} of ${USERS / 2}; ` +
    `load average ${loadAtStart.toFixed(1)} → ${loadAtEnd.toFixed(1)} (${new Date().toISOString().slice(11, 16)} UTC)`,
);

rmSync(dir, { recursive: true, force: true });
await bench.drop();
