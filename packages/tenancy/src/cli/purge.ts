// `npm run tenant:purge -- <slug>`: drops the schema of a soft-deleted tenant and its registry row.
import { loadConfig } from "@proxpanel/config";
import { openDatabase, tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { purgeTenant } from "../admin.ts";
import { TenantResolver } from "../resolver.ts";
import { openSharedState } from "../state/index.ts";

const slug = process.argv[2];
if (!slug) {
  console.error("usage: npm run tenant:purge -- <slug>   (the tenant must already be deleted)");
  process.exit(2);
}
const config = loadConfig();
const database = await openDatabase({
  url: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  embeddedPort: config.EMBEDDED_PG_PORT,
  poolMax: 2,
});
const state = openSharedState(config, database.url);
try {
  const resolver = new TenantResolver(database.db, state, {
    baseDomain: config.BASE_DOMAIN,
    ttlMs: config.RESOLVER_TTL_MS,
    negativeTtlMs: config.RESOLVER_NEGATIVE_TTL_MS,
    maxEntries: 10,
  });
  const row = (await database.db.select().from(tenants).where(eq(tenants.slug, slug)).limit(1))[0];
  if (!row) throw new Error(`no tenant with slug ${slug}`);
  await purgeTenant(
    { db: database.db, resolver },
    { id: row.id, confirmSlug: slug },
    {
      superAdminId: null,
      label: `cli:${process.env.USER ?? "operator"}`,
    },
  );
  console.log(`purged ${slug} (schema ${row.schemaName})`);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
} finally {
  await state.close();
  await database.close();
}
