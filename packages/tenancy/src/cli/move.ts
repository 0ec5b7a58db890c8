// `npm run tenant:move -- <slug> [host:port] [--mode auto|block_writes|force_logical]`: on a Citus
// cluster, moves the tenant's schema to that worker while it stays in use; with no node, prints where
// it is and the cluster's nodes. Same configuration as the API (DATABASE_URL = the coordinator).
// Without --mode: auto (logical replication, writes held only for the switch) where every worker
// runs wal_level = logical, else block_writes (writes wait for the whole copy); see placement.ts.
import { loadConfig } from "@proxpanel/config";
import { openDatabase, tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { TenancyError } from "../errors.ts";
import { moveTenant, type TenantPlacement, type TransferMode, tenantPlacement } from "../placement.ts";

const MODES: readonly TransferMode[] = ["auto", "block_writes", "force_logical"];
const args = process.argv.slice(2);
const modeAt = args.indexOf("--mode");
const mode = modeAt >= 0 ? args.splice(modeAt, 2)[1] : undefined;
const [slug, node] = args;
if (!slug || (mode !== undefined && !MODES.includes(mode as TransferMode))) {
  console.error("usage: npm run tenant:move -- <slug> [host:port] [--mode auto|block_writes|force_logical]");
  process.exit(2);
}

function show(p: TenantPlacement): string {
  if (!p.distributed) return "not distributed (plain PostgreSQL, or a schema created before Citus)";
  return [
    `on ${p.node}`,
    ...p.nodes.map(
      (n) =>
        `  ${n.node.padEnd(24)} ${n.role.padEnd(12)} ${String(n.tenants).padStart(5)} tenants${n.takesTenants ? "" : "  (takes none)"}`,
    ),
  ].join("\n");
}

const config = loadConfig();
const database = await openDatabase({
  url: config.DATABASE_URL,
  dataDir: config.DATA_DIR,
  embeddedPort: config.EMBEDDED_PG_PORT,
  poolMax: 2,
});
try {
  const [row] = await database.db.select().from(tenants).where(eq(tenants.slug, slug)).limit(1);
  if (!row) throw new Error(`no tenant with slug ${slug}`);
  if (!node) {
    console.log(`${slug}: ${show(await tenantPlacement(database.db, row.id))}`);
  } else {
    const result = await moveTenant(
      database.db,
      { id: row.id, node, mode: mode as TransferMode | undefined },
      { superAdminId: null, label: `cli:${process.env.USER ?? "operator"}` },
    );
    console.log(
      result.moved
        ? `moved ${slug} from ${result.from} to ${result.to} in ${result.ms} ms (${result.mode})`
        : `${slug} is already on ${result.to}`,
    );
    console.log(show(result.placement));
  }
} catch (err) {
  console.error(err instanceof TenancyError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : err);
  process.exitCode = 1;
} finally {
  await database.close();
}
