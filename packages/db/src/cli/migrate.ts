// The full `npm run db:migrate` (registry migrations, then every tenant schema), loaded through tsx by
// migrate.mjs when there is something to apply or its one-query check cannot tell.
import { loadConfig } from "@proxpanel/config";
import { migratePublic } from "../migrate/public.ts";
import { migrateAllTenants } from "../migrate/tenant.ts";
import { openDatabase } from "../open.ts";

const config = loadConfig();
const started = performance.now();
const database = await openDatabase({
  url: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  embeddedPort: config.EMBEDDED_PG_PORT,
  poolMax: config.MIGRATE_CONCURRENCY + 1,
  // Only Drizzle-typed columns and DDL here: skip the per-connection array-type read (client.ts).
  fetchTypes: false,
});
try {
  await migratePublic(database.url);
  const report = await migrateAllTenants(database.db, { concurrency: config.MIGRATE_CONCURRENCY });
  const ms = (performance.now() - started).toFixed(0);
  console.log(
    `tenant schema version ${report.latest}: ${report.migrated.length} migrated, ${report.failed.length} failed, ${report.pending === 0 ? "nothing to apply" : `${report.pending} pending before`} (${ms} ms)`,
  );
  for (const f of report.failed) console.error(`  ${f.schemaName}: ${f.error}`);
  process.exitCode = report.failed.length > 0 ? 1 : 0;
} finally {
  await database.close();
}
