// `db:migrate` with nothing to apply across the 1,000-tenant fixture of bench/onboarding.ts:
// `npm run bench:migrate`. Times the real CLI as a process (start-up included) and the
// in-process call. Target < 5 s.
import { execFileSync } from "node:child_process";
import { connect, migrateAllTenants, migratePublic, tenants } from "@proxpanel/db";
import { count } from "drizzle-orm";
import { benchDatabase, fmt, median } from "./lib.ts";

const bench = await benchDatabase("proxpanel_bench");
const database = connect(bench.url, { max: 5 });
const [{ n } = { n: 0 }] = await database.db.select({ n: count() }).from(tenants);
const schemas = await database.db.execute(
  // Every schema a tenant owns, to show the fixture is real.
  (await import("drizzle-orm")).sql`select count(*)::int as n from pg_namespace where nspname like 'tenant\\_%'`,
);
if (n < 1000) console.warn(`only ${n} tenants present; run npm run bench:onboarding first to build the fixture`);

const inProcess: number[] = [];
for (let i = 0; i < 5; i++) {
  const started = performance.now();
  await migratePublic(bench.url);
  const report = await migrateAllTenants(database.db);
  inProcess.push(performance.now() - started);
  if (report.migrated.length) console.log(`(first run migrated ${report.migrated.length} schemas)`);
}
const cli: number[] = [];
for (let i = 0; i < 3; i++) {
  const started = performance.now();
  execFileSync("npm", ["run", "-s", "db:migrate"], { env: { ...process.env, DATABASE_URL: bench.url }, stdio: "pipe" });
  cli.push(performance.now() - started);
}
console.log(`tenants: ${n}, tenant schemas: ${(schemas[0] as { n: number }).n}`);
console.log(`migrate with nothing to apply, in process: median ${fmt(median(inProcess))} ms`);
console.log(`npm run db:migrate (whole process incl. start-up): median ${fmt(median(cli) / 1000, 2)} s (target < 5 s)`);
await database.close();
await bench.stop();
