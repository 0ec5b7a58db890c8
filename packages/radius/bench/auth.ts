/**
 * PAP auth throughput: requests per server CPU-second (utime+stime from /proc) and requests/s,
 * radclient -p 128 fed several 5,000-request files one after another (one big file makes
 * radclient itself the bottleneck). Runs FreeRADIUS-files side by side when installed.
 *
 *   npx tsx packages/radius/bench/auth.ts [--rounds 3] [--files 4] [--no-freeradius] [--sql]
 *
 * --sql also runs FreeRADIUS with rlm_sql on PostgreSQL (DATABASE_URL's server, a throw-away
 * database with FreeRADIUS's schema; Debian `freeradius-postgresql`).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { freeradiusInstalled, startFreeradius } from "./freeradius.ts";
import { backendCpu, backendCpuDelta, cpuSeconds, median } from "./proc.ts";
import { radclientFile } from "./radclient-file.ts";
import { createFreeradiusDb } from "./sql.ts";

const SECRET = "bench-secret";
const USERS = 1000;
const PER_FILE = 5000;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const rounds = arg("rounds", 3);
const filesPerRound = arg("files", 4);
const withFreeradius = !process.argv.includes("--no-freeradius") && freeradiusInstalled();
const withSql = process.argv.includes("--sql");

if (spawnSync("sh", ["-c", "command -v radclient"]).status !== 0) {
  throw new Error("radclient not found: install Debian package freeradius-utils");
}

const dir = mkdtempSync(join(tmpdir(), "radius-bench-"));
const files: string[] = [];
for (let f = 0; f < filesPerRound; f++) {
  const packets: string[] = [];
  for (let i = 0; i < PER_FILE; i++) {
    const u = (f * PER_FILE + i) % USERS;
    packets.push(`User-Name = "user${u}"\nUser-Password = "pass${u}"\nMessage-Authenticator = 0x00\n`);
  }
  const file = join(dir, `auth-${f}.txt`);
  writeFileSync(file, packets.join("\n"));
  files.push(file);
}

interface Result {
  perCpu: number;
  perCpuWithPg: number;
  perSec: number;
  lost: number;
}

interface RoundResult {
  requests: number;
  accepted: number;
  lost: number;
  wallSeconds: number;
  cpuSeconds: number;
  /** CPU of the PostgreSQL backends serving the server's database (rlm_sql only). */
  pgSeconds: number;
}

/** Set while FreeRADIUS-rlm_sql runs: its database, whose backends' CPU is charged to it. */
let pgDatabase: string | undefined;
const pgAdmin =
  withSql && process.env.DATABASE_URL ? postgres(process.env.DATABASE_URL, { max: 1, onnotice: () => {} }) : undefined;
const activity = (database: string) =>
  pgAdmin
    ? pgAdmin<
        { pid: number }[]
      >`select pid from pg_stat_activity where datname = ${database} and backend_type = 'client backend'`
    : Promise.resolve([]);

async function round(pid: number, port: number, useFiles: string[]): Promise<RoundResult> {
  const pg0 = pgDatabase ? await backendCpu(activity, pgDatabase) : undefined;
  const cpu0 = cpuSeconds(pid);
  const t0 = process.hrtime.bigint();
  let accepted = 0;
  let lost = 0;
  for (const f of useFiles) {
    const r = await radclientFile(port, f, SECRET);
    accepted += r.accepted;
    lost += r.lost;
  }
  const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = cpuSeconds(pid) - cpu0;
  const pg = pg0 && pgDatabase ? backendCpuDelta(pg0, await backendCpu(activity, pgDatabase)) : 0;
  return { requests: useFiles.length * PER_FILE, accepted, lost, wallSeconds, cpuSeconds: cpu, pgSeconds: pg };
}

async function measure(name: string, pid: number, port: number): Promise<Result> {
  await round(pid, port, files.slice(0, 1)); // warm-up (JIT, caches)
  const results: RoundResult[] = [];
  for (let r = 0; r < rounds; r++) results.push(await round(pid, port, files));
  for (const [i, r] of results.entries()) {
    console.log(
      `  ${name} round ${i + 1}: ${r.requests} req, ${r.accepted} accepted, ${r.lost} lost, ` +
        `${r.wallSeconds.toFixed(2)} s wall, ${r.cpuSeconds.toFixed(2)} s server CPU` +
        (pgDatabase ? ` + ${r.pgSeconds.toFixed(2)} s PostgreSQL backends` : ""),
    );
  }
  return {
    perCpuWithPg: median(results.map((r) => r.accepted / Math.max(r.cpuSeconds + r.pgSeconds, 0.01))),
    perCpu: median(results.map((r) => r.accepted / Math.max(r.cpuSeconds, 0.01))),
    perSec: median(results.map((r) => r.accepted / r.wallSeconds)),
    lost: results.reduce((s, r) => s + r.lost, 0),
  };
}

async function startOurs(): Promise<{ child: ChildProcess; port: number }> {
  const serverPath = fileURLToPath(new URL("./server.ts", import.meta.url));
  // node itself (not a tsx wrapper process), so the PID's CPU time is the server's.
  const child = spawn(process.execPath, ["--import", "tsx", serverPath], { stdio: ["pipe", "pipe", "inherit"] });
  const line = await new Promise<string>((resolve, reject) => {
    if (!child.stdout) return reject(new Error("no stdout"));
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`bench server exited ${code}`)));
  });
  const { authPort } = JSON.parse(line) as { authPort: number };
  return { child, port: authPort };
}

console.log(
  `PAP auth, ${USERS} users, Message-Authenticator required; ${rounds} rounds x ${filesPerRound} files x ${PER_FILE} requests, radclient -p 128`,
);
const ours = await startOurs();
const oursResult = await measure("proxpanel", ours.child.pid ?? 0, ours.port);
ours.child.stdin?.end();

let fr: Result | undefined;
let frSql: Result | undefined;
if (withFreeradius) {
  const users = Array.from({ length: USERS }, (_, i) => ({
    name: `user${i}`,
    password: `pass${i}`,
    rateLimit: "10M/10M",
    framedIp: `100.64.${Math.floor(i / 250)}.${(i % 250) + 1}`,
  }));
  const port = 30000 + Math.floor(Math.random() * 20000);
  const server = await startFreeradius({ dir: join(dir, "fr"), authPort: port, secret: SECRET, users });
  try {
    fr = await measure("freeradius", server.pid, port);
  } finally {
    await server.stop();
  }
  // rlm_sql on PostgreSQL (needs Debian freeradius-postgresql and DATABASE_URL).
  if (withSql) {
    const serverUrl = process.env.DATABASE_URL;
    if (!serverUrl) throw new Error("--sql needs DATABASE_URL");
    const frDb = await createFreeradiusDb(serverUrl, users);
    const sqlPort = 30000 + Math.floor(Math.random() * 20000);
    try {
      const sqlServer = await startFreeradius({
        dir: join(dir, "fr-sql"),
        authPort: sqlPort,
        secret: SECRET,
        users,
        sql: frDb.conn,
      });
      try {
        pgDatabase = frDb.conn.database;
        frSql = await measure("freeradius-sql", sqlServer.pid, sqlPort);
      } finally {
        pgDatabase = undefined;
        await sqlServer.stop();
      }
    } finally {
      await frDb.drop();
    }
  }
}
rmSync(dir, { recursive: true, force: true });

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
console.log("\n| server | requests per server CPU-s | requests/s | lost |");
console.log("|---|---|---|---|");
console.log(
  `| ProxPanel (this run, median) | ${fmt(oursResult.perCpu)} | ${fmt(oursResult.perSec)} | ${oursResult.lost} |`,
);
if (fr) {
  console.log(`| FreeRADIUS 3.2 files (this run, median) | ${fmt(fr.perCpu)} | ${fmt(fr.perSec)} | ${fr.lost} |`);
  console.log(
    `\nratio ProxPanel / FreeRADIUS-files per CPU-s, same run: ${(oursResult.perCpu / fr.perCpu).toFixed(2)}x`,
  );
} else {
  console.log("| FreeRADIUS side by side | not run (install Debian `freeradius`) | | |");
}
if (frSql) {
  console.log(
    `| FreeRADIUS 3.2 rlm_sql PostgreSQL (this run, median) | ${fmt(frSql.perCpu)} | ${fmt(frSql.perSec)} | ${frSql.lost} |`,
  );
  console.log(
    `ratio ProxPanel / FreeRADIUS-rlm_sql per CPU-s, same run: ${(oursResult.perCpu / frSql.perCpu).toFixed(2)}x`,
  );
  // Ours answers from memory (no PostgreSQL per request; the production daemon's batched auth
  // log insert is not part of this server), so its CPU with PostgreSQL is its own CPU.
  console.log(
    `FreeRADIUS-rlm_sql per CPU-s counting its PostgreSQL backends too: ${fmt(frSql.perCpuWithPg)}; ` +
      `ratio ProxPanel / that: ${(oursResult.perCpu / frSql.perCpuWithPg).toFixed(2)}x; ` +
      `requests/s ratio: ${(oursResult.perSec / frSql.perSec).toFixed(2)}x`,
  );
}
await pgAdmin?.end();
console.log("\nAnchors from shared/notes/benchmarking.md (medians of 3 x 20,000 packets, radclient -p 128):");
console.log(
  "| FreeRADIUS files, 1,000 users, PAP/CHAP | ~21,000-23,000 per CPU-s | client-bound (~14,000/s with 4 x 5k files) |",
);
console.log("| FreeRADIUS rlm_sql on PostgreSQL 15, PAP | ~5,700-6,000 per CPU-s | ~2,500-3,400/s |");
console.log(
  `\nProxPanel vs anchors per CPU-s: ${(oursResult.perCpu / 22_000).toFixed(2)}x FreeRADIUS-files (22,000), ` +
    `${(oursResult.perCpu / 5_850).toFixed(2)}x FreeRADIUS-rlm_sql (5,850)`,
);
