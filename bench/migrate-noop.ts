// `db:migrate` with nothing to apply across a 1,000-tenant fixture: `npm run bench:migrate`. Times the
// real CLI as a process (start-up included) and the in-process call. Target < 5 s.
//
// The fixture is bench/onboarding.ts's `proxpanel_bench` unless MIGRATE_BENCH_DB names another
// database on the same server (`MIGRATE_BENCH_DB=proxpanel_scale` uses the scale run's).
// The process is timed three ways, alternating in one run so load affects each alike:
//   cli        `npm run db:migrate` as an operator runs it (npm, then packages/db/src/cli/migrate.mjs)
//   fast path  node packages/db/src/cli/migrate.mjs (no tsx: one query decides there is nothing to do)
//   full CLI   node --import tsx packages/db/src/cli/migrate.ts (what `db:migrate` ran before)
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, migrateAllTenants, migratePublic, tenants } from "@proxpanel/db";
import { count, sql } from "drizzle-orm";
import { benchDatabase, fmt, median } from "./lib.ts";

const bench = await benchDatabase(process.env.MIGRATE_BENCH_DB ?? "proxpanel_bench");
const database = connect(bench.url, { max: 5 });
const [{ n } = { n: 0 }] = await database.db.select({ n: count() }).from(tenants);
const schemas = await database.db.execute<{ n: number }>(
  // Every schema a tenant owns, to show the fixture is real.
  sql`select count(*)::int as n from pg_namespace where nspname like 'tenant\\_%'`,
);
if (n < 1000) console.warn(`only ${n} tenants present; run npm run bench:onboarding first to build the fixture`);
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
const loads = [load()];

const inProcess: number[] = [];
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  await migratePublic(bench.url);
  const report = await migrateAllTenants(database.db);
  inProcess.push(performance.now() - started);
  if (report.migrated.length) console.log(`(first run migrated ${report.migrated.length} schemas)`);
}

const env = { ...process.env, DATABASE_URL: bench.url };
const ways: Record<string, [string, string[]]> = {
  cli: ["npm", ["run", "-s", "db:migrate"]],
  "fast path": [process.execPath, ["packages/db/src/cli/migrate.mjs"]],
  "full CLI": [process.execPath, ["--import", "tsx", "packages/db/src/cli/migrate.ts"]],
};
const wall: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(ways).map((k) => [k, []]));
const ROUNDS = Number(process.env.MIGRATE_BENCH_ROUNDS ?? 3);
for (let i = 0; i < ROUNDS; i++) {
  for (const [name, [cmd, args]] of Object.entries(ways)) {
    // The child's CPU (user + system, every thread) from bash's `times`, beside its wall time.
    const started = performance.now();
    const out = execFileSync("bash", ["-c", `"$0" "$@" >/dev/null && times`, cmd, ...args], { env, stdio: "pipe" });
    wall[name]?.push(performance.now() - started);
    const [, children = ""] = out.toString().trim().split("\n");
    const secs = [...children.matchAll(/(\d+)m([\d.]+)s/g)].reduce((s, m) => s + Number(m[1]) * 60 + Number(m[2]), 0);
    cpu[name]?.push(secs);
  }
  loads.push(load());
}
console.log(`tenants: ${n}, tenant schemas: ${schemas[0]?.n}`);
console.log(`migrate with nothing to apply, in process: median ${fmt(median(inProcess))} ms`);
for (const name of Object.keys(ways)) {
  console.log(
    `${name.padEnd(9)} whole process: median ${fmt(median(wall[name] ?? []) / 1000, 2)} s wall, ${fmt(median(cpu[name] ?? []), 2)} s CPU (runs: ${(wall[name] ?? []).map((w) => fmt(w / 1000, 2)).join(", ")} s) (target < 5 s)`,
  );
}
console.log(`load average during the runs: ${loads.join(" | ")}`);
await database.close();
await bench.stop();
