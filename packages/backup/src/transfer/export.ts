import { randomBytes } from "node:crypto";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { finished } from "node:stream/promises";
import { tenantDataKey } from "@proxpanel/auth";
import { type Db, type Tenant, tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import type postgres from "postgres";
import { type BackupSummary, writeBackup } from "../dump.ts";
import { type SqlDumpSummary, writeSqlDump } from "./sql-dump.ts";

export async function tenantBySlug(db: Db, slug: string): Promise<Tenant> {
  const [row] = await db.select().from(tenants).where(eq(tenants.slug, slug)).limit(1);
  if (!row) throw new Error(`no tenant with slug "${slug}"`);
  return row;
}

/** Key files are written once, readable by their owner only, and never over an existing file. */
async function writeSecretFile(file: string, value: string): Promise<void> {
  await fs.writeFile(file, `${value}\n`, { mode: 0o600, flag: "wx" });
}

export interface InstallKeys {
  licenseKey: string;
  dataKey: string;
}

/**
 * SaaS → standalone: a plain SQL dump of the tenant plus `<out>.env` holding the destination's new
 * DATA_ENCRYPTION_KEY and mode settings (the sealed columns in the dump are sealed under it), and
 * the tenant's uploads copied to `<out>.uploads/`. No key of the source cluster leaves it.
 */
export async function exportSqlForStandalone(
  deps: { db: Db; sql: postgres.Sql; dataDir: string },
  keys: InstallKeys,
  slug: string,
  out: string,
): Promise<SqlDumpSummary & { envFile: string; uploadsDir?: string }> {
  const tenant = await tenantBySlug(deps.db, slug);
  const targetDataKey = randomBytes(32).toString("base64url");
  const targetSecret = randomBytes(32).toString("hex");
  const stream = createWriteStream(out, { flags: "wx", mode: 0o600 });
  let summary: SqlDumpSummary;
  try {
    summary = await writeSqlDump(
      {
        sql: deps.sql,
        tenant,
        sourceDataKey: tenantDataKey(keys.dataKey, tenant.id, tenant.secret),
        targetDataKey: tenantDataKey(targetDataKey, tenant.id, targetSecret),
        targetSecret,
      },
      stream,
    );
    stream.end();
    await finished(stream);
  } catch (err) {
    stream.destroy();
    await fs.rm(out, { force: true });
    throw err;
  }
  const envFile = `${out}.env`;
  await writeSecretFile(
    envFile,
    [
      "# Settings for the standalone install loaded from this dump. Keep this file secret.",
      "PROXPANEL_MODE=standalone",
      `STANDALONE_TENANT_SLUG=${tenant.slug}`,
      `DATA_ENCRYPTION_KEY=${targetDataKey}`,
    ].join("\n"),
  );
  const uploads = path.resolve(deps.dataDir, "uploads", `tenant_${tenant.id}`);
  const hasUploads = await fs.stat(uploads).then(
    (s) => s.isDirectory(),
    () => false,
  );
  // Always written, empty when the tenant has no uploads: the procedure copies this folder.
  const uploadsDir = `${out}.uploads/tenant_${tenant.id}`;
  await fs.mkdir(uploadsDir, { recursive: true });
  if (hasUploads) await fs.cp(uploads, uploadsDir, { recursive: true, errorOnExist: true, force: false });
  return { ...summary, envFile, uploadsDir };
}

/**
 * Standalone → SaaS: the tenant as a `.proisp.bak` archive under its own keys, plus the three key
 * files the importing operator needs (`<out>.keys/license-key`, `tenant-secret`, `data-key`).
 */
export async function exportArchive(
  deps: { db: Db; sql: postgres.Sql; dataDir: string },
  keys: InstallKeys,
  slug: string,
  out: string,
): Promise<BackupSummary & { keysDir: string }> {
  const tenant = await tenantBySlug(deps.db, slug);
  const stream = createWriteStream(out, { flags: "wx", mode: 0o600 });
  let summary: BackupSummary;
  try {
    summary = await writeBackup(
      {
        sql: deps.sql,
        schemaName: tenant.schemaName,
        keys: { licenseKey: keys.licenseKey, tenantId: tenant.id, tenantSecret: tenant.secret },
        uploadsDir: path.resolve(deps.dataDir, "uploads", `tenant_${tenant.id}`),
      },
      stream,
    );
    await finished(stream);
  } catch (err) {
    stream.destroy();
    await fs.rm(out, { force: true });
    throw err;
  }
  const keysDir = `${out}.keys`;
  await fs.mkdir(keysDir, { mode: 0o700 });
  await writeSecretFile(path.join(keysDir, "license-key"), keys.licenseKey);
  await writeSecretFile(path.join(keysDir, "tenant-secret"), tenant.secret);
  await writeSecretFile(path.join(keysDir, "data-key"), keys.dataKey);
  return { ...summary, keysDir };
}
