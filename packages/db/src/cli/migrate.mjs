// `npm run db:migrate`. Plain JavaScript, run by node without tsx, on purpose: most runs (every
// deploy and restart) have nothing to apply, and for those the TypeScript CLI's start-up was most of
// the time. tsx's loader thread, zod (the config) and Drizzle cost ≈ 290 module loads and ≈ 1.6 s
// of CPU before the first query, and under load each load waits for the loader thread to be
// scheduled: 7.6 s for the whole process against 0.33 s of work at load 15–20 (bench/scale.ts).
//
// So this file first asks the database, in one query, whether anything is to apply, the way the
// full CLI would decide it (`nothingToApply`); only when it is sure there is nothing does it print
// the CLI's line and exit. In every other case (something pending, DATABASE_URL unset so the
// embedded server is needed, an error of any kind) it loads tsx and runs `migrate.ts`, which
// validates the configuration, takes the locks and does the work, exactly as before.
import { readFileSync, realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import postgres from "postgres";

const DRIZZLE_DIR = new URL("../../../../drizzle/", import.meta.url);

/** Codes of PLAN_SEED (../public/plans.ts), which migratePublic inserts when missing; a test keeps them equal. */
export const SEED_PLAN_CODES = ["trial", "starter", "pro", "custom"];

/** @param {"public" | "tenant"} dir @returns {{ idx: number; when: number; tag: string }[]} */
function journal(dir) {
  return JSON.parse(readFileSync(new URL(`${dir}/meta/_journal.json`, DRIZZLE_DIR), "utf8")).entries;
}

/**
 * The latest tenant schema version when neither `migratePublic` nor `migrateAllTenants` would change
 * anything on `url`, else undefined (also when the check itself fails: the full CLI then runs and
 * reports). The same three conditions they apply:
 * - Drizzle's migrator applies every journal entry whose `when` is later than the newest
 *   `created_at` in drizzle.__drizzle_migrations;
 * - the plan seed inserts the seed codes that are missing;
 * - tenants whose `schema_version` is below the number of tenant migrations are migrated.
 * @param {string} url
 * @returns {Promise<number | undefined>}
 */
export async function nothingToApply(url) {
  const publicLatest = Math.max(...journal("public").map((e) => e.when));
  const tenantLatest = journal("tenant").length;
  const sql = postgres(url, {
    max: 1,
    fetch_types: false,
    onnotice: () => {},
    connect_timeout: 5,
    connection: { application_name: "proxpanel" },
  });
  try {
    const [row] = await sql`select
      (select max(created_at) from drizzle.__drizzle_migrations)::text as public_at,
      (select count(*) from public.plans where code = any(string_to_array(${SEED_PLAN_CODES.join(",")}, ',')))::int as plans,
      (select count(*) from public.tenants where schema_version < ${tenantLatest})::int as behind`;
    if (!row || row.public_at === null || Number(row.public_at) < publicLatest) return undefined;
    if (row.plans !== SEED_PLAN_CODES.length || row.behind !== 0) return undefined;
    return tenantLatest;
  } catch {
    return undefined;
  } finally {
    await sql.end({ timeout: 5 }).catch(() => {});
  }
}

// Run as the script (not imported by its test). Compared through realpath: node gives this module
// its real path, while argv[1] keeps the path it was started by, which differs when the install
// reaches the project through a symbolic link (and then nothing at all would run).
if (process.argv[1] && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  const started = performance.now();
  // As the config reads it: empty means unset (then the full CLI starts the embedded server).
  const url = process.env.DATABASE_URL || undefined;
  const version = url ? await nothingToApply(url) : undefined;
  if (version !== undefined) {
    const ms = (performance.now() - started).toFixed(0);
    console.log(`tenant schema version ${version}: 0 migrated, 0 failed, nothing to apply (${ms} ms)`);
  } else {
    const { register } = await import("tsx/esm/api");
    register();
    await import(new URL("./migrate.ts", import.meta.url).href);
  }
}
