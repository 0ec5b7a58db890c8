import { createReadStream, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { loadConfig } from "@proxpanel/config";
import { migratePublic, openDatabase } from "@proxpanel/db";
import { INVALIDATION_CHANNEL, type Invalidation, openSharedState } from "@proxpanel/tenancy";
import { exportArchive, exportSqlForStandalone } from "./export.ts";
import { importArchive } from "./import.ts";
import { installKeys } from "./secrets.ts";

export const TRANSFER_USAGE = `  tsx packages/backup/src/cli.ts export <slug> [--out FILE] [--archive]
  tsx packages/backup/src/cli.ts import <slug> <file.proisp.bak>
        [--license-key-file PATH] [--tenant-secret-file PATH] [--data-key-file PATH]

export (npm run tenant:export) writes a plain SQL dump of one tenant for a standalone install
(default <slug>.sql) with <FILE>.env (the new install's DATA_ENCRYPTION_KEY; keep it secret) and
<FILE>.uploads/. With --archive it writes a .proisp.bak under the install's own keys instead, with
the key files for the importing operator in <FILE>.keys/.
import (npm run tenant:import) creates the tenant if missing (onboarding) and restores the archive
into it, then prints each table's row count against the archive's manifest. The source's license
key, tenant secret and data key come from the files given, else from PROXPANEL_LICENSE_KEY,
PROXPANEL_TENANT_SECRET and PROXPANEL_SOURCE_DATA_KEY; never from the command line.
Both use this install's DATABASE_URL, DATA_DIR and keys.`;

export interface TransferIo {
  out: (line: string) => void;
  env: NodeJS.ProcessEnv;
}

function secret(file: string | undefined, envName: string, env: NodeJS.ProcessEnv): string {
  const value = file ? readFileSync(file, "utf8").trim() : env[envName];
  if (!value) throw new Error(`no key material: pass a file or set ${envName}`);
  return value;
}

export interface TransferArgs {
  command: "export" | "import";
  positionals: string[];
  values: {
    out?: string | undefined;
    archive?: boolean | undefined;
    "license-key-file"?: string | undefined;
    "tenant-secret-file"?: string | undefined;
    "data-key-file"?: string | undefined;
  };
}

/** Runs `export` or `import` against the install configured in the environment; returns the exit code. */
export async function runTransfer(args: TransferArgs, io: TransferIo): Promise<number> {
  const config = loadConfig(io.env);
  const keys = installKeys(config);
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: config.DATA_DIR,
    embeddedPort: config.EMBEDDED_PG_PORT,
    poolMax: 4,
  });
  try {
    await migratePublic(database.url);
    const deps = { db: database.db, sql: database.sql, dataDir: config.DATA_DIR };
    const [slug, file] = args.positionals;
    if (!slug) throw new Error("a tenant slug is required");
    if (args.command === "export") {
      const started = performance.now();
      // `--out` into a folder that does not exist yet: made, as `mkdir -p` would.
      if (args.values.out) await mkdir(path.dirname(path.resolve(args.values.out)), { recursive: true });
      if (args.values.archive) {
        const out = args.values.out ?? `${slug}.proisp.bak`;
        const s = await exportArchive(deps, keys, slug, out);
        for (const t of s.manifest.tables) io.out(`table ${t.name}: ${t.rows} rows`);
        io.out(`wrote ${out} (${s.bytes} bytes) and key files in ${s.keysDir}/`);
      } else {
        const out = args.values.out ?? `${slug}.sql`;
        const s = await exportSqlForStandalone(deps, keys, slug, out);
        for (const t of s.tables) io.out(`table ${t.name}: ${t.rows} rows`);
        io.out(`re-sealed ${s.resealed} secrets for the destination`);
        io.out(`wrote ${out}, ${s.envFile}${s.uploadsDir ? ` and ${s.uploadsDir}/` : ""}`);
      }
      io.out(`done in ${((performance.now() - started) / 1000).toFixed(2)} s`);
      return 0;
    }
    if (!file) throw new Error("import needs <slug> <file.proisp.bak>");
    const v = args.values;
    const report = await importArchive({
      db: database.db,
      sql: database.sql,
      slug,
      open: () => createReadStream(file),
      source: {
        licenseKey: secret(v["license-key-file"], "PROXPANEL_LICENSE_KEY", io.env),
        tenantSecret: secret(v["tenant-secret-file"], "PROXPANEL_TENANT_SECRET", io.env),
        dataKey: secret(v["data-key-file"], "PROXPANEL_SOURCE_DATA_KEY", io.env),
      },
      clusterDataKey: keys.dataKey,
      dataDir: config.DATA_DIR,
    });
    // Running API instances may have cached this host (as unknown, or with the old data's state).
    const state = openSharedState(config, config.DATABASE_URL);
    const inv: Invalidation = { tenantId: report.tenantId, hosts: [`${slug}.${config.BASE_DOMAIN}`] };
    await state.publish(INVALIDATION_CHANNEL, JSON.stringify(inv)).finally(() => state.close());
    io.out(`${report.created ? "created" : "replaced the data of"} tenant ${slug} (${report.tenantId})`);
    for (const t of report.tables) {
      io.out(
        `table ${t.name}: archive ${t.archive}, imported ${t.imported}${t.archive === t.imported ? "" : "  MISMATCH"}`,
      );
    }
    io.out(`re-sealed: ${JSON.stringify(report.resealed)}; schema version ${report.schemaVersion}`);
    io.out(report.matches ? "OK: every table matches the manifest" : "ERROR: row counts differ from the manifest");
    return report.matches ? 0 : 1;
  } finally {
    await database.close();
  }
}
