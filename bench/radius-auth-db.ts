/**
 * PAP through the production daemon (DbDataSource: tenant routing, subscribers cached from
 * PostgreSQL, batched auth-log inserts), for the honest "server CPU plus the PostgreSQL backends
 * it causes" view next to FreeRADIUS rlm_sql (packages/radius/bench/auth.ts --sql measures the
 * latter). Same client as auth.ts: radclient -p 128, 4 files x 5,000 requests per round.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/radius-auth-db.ts [--rounds 3]
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
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
const ROUNDS = arg("rounds", 3);
const USERS = 1000;
const PER_FILE = 5000;
const FILES = 4;
const SECRET = "bench-secret";
const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) throw new Error("DATABASE_URL is required");
const bench = await createBenchTenant({ serverUrl, name: "authbench", nasAddress: "127.0.0.1", secret: SECRET });
const { url, dbName, admin, clusterKey, schema, sql, key } = bench;
const subs = await sql<{ id: string; username: string }[]>`
  insert into ${sql(schema)}.subscribers (username, password_enc, static_ip)
  select 'user' || i, 'pending', ('100.64.' || (i / 250) || '.' || (i % 250 + 1))::inet from generate_series(0, ${USERS - 1}) i
  returning id, username`;
for (const s of subs) {
  const password = `pass${s.username.slice(4)}`;
  await sql`update ${sql(schema)}.subscribers set password_enc = ${seal(key, password, `subscriber:${s.id}`)} where id = ${s.id}`;
}

const dir = mkdtempSync(join(tmpdir(), "radius-auth-db-"));
const files: string[] = [];
for (let f = 0; f < FILES; f++) {
  const lines: string[] = [];
  for (let i = 0; i < PER_FILE; i++) {
    const u = (f * PER_FILE + i) % USERS;
    lines.push(`User-Name = "user${u}"\nUser-Password = "pass${u}"\nMessage-Authenticator = 0x00\n`);
  }
  files.push(join(dir, `auth-${f}.txt`));
  writeFileSync(files[f] as string, lines.join("\n"));
}

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

const radclient = async (file: string) => (await radclientFile(authPort, file, SECRET)).accepted;

const activity = (database: string) =>
  admin<
    { pid: number }[]
  >`select pid from pg_stat_activity where datname = ${database} and backend_type = 'client backend'`;
const pid = server.pid ?? 0;
await radclient(files[0] as string); // warm-up: tenant snapshot, password unsealing, JIT
const results: { perSec: number; perCpu: number; perCpuWithPg: number; accepted: number }[] = [];
for (let r = 1; r <= ROUNDS; r++) {
  const pg0 = await backendCpu(activity, dbName);
  const cpu0 = cpuSeconds(pid);
  const t0 = process.hrtime.bigint();
  let accepted = 0;
  for (const f of files) accepted += await radclient(f);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // The auth log is written within 200 ms of the last request; wait for it before reading PostgreSQL.
  await new Promise((res) => setTimeout(res, 500));
  const cpu = cpuSeconds(pid) - cpu0;
  const pg = backendCpuDelta(pg0, await backendCpu(activity, dbName));
  results.push({ perSec: accepted / seconds, perCpu: accepted / cpu, perCpuWithPg: accepted / (cpu + pg), accepted });
  console.log(
    `  round ${r}: ${FILES * PER_FILE} req, ${accepted} accepted, ${seconds.toFixed(2)} s wall, ` +
      `${cpu.toFixed(2)} s daemon CPU + ${pg.toFixed(2)} s PostgreSQL backends`,
  );
}
const [logged] = await sql<{ n: number }[]>`select count(*)::int as n from ${sql(schema)}.auth_logs`;
server.stdin?.end();
await new Promise((r) => server.once("exit", r));

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
console.log(
  "\n| PAP, production daemon (median) | requests/s | per daemon CPU-s | per CPU-s incl. PostgreSQL backends |",
);
console.log("|---|---|---|---|");
console.log(
  `| ProxPanel DbDataSource, ${ROUNDS} x ${FILES * PER_FILE} | ${fmt(median(results.map((r) => r.perSec)))} | ${fmt(
    median(results.map((r) => r.perCpu)),
  )} | ${fmt(median(results.map((r) => r.perCpuWithPg)))} |`,
);
console.log(`auth_logs rows: ${logged?.n ?? 0} (every request, warm-up included, is logged)`);

rmSync(dir, { recursive: true, force: true });
await bench.drop();
