import { randomBytes } from "node:crypto";
import type { CloudBackup } from "@proxpanel/db";
import { q } from "../contents.ts";
import { CopyTally, copyOutSql } from "../copy-format.ts";
import { copyOut } from "../pg-copy.ts";
import { restoreBackup } from "../restore.ts";
import { type BackupEnv, keysFor, loadBackupTenant } from "./env.ts";
import { openBackup } from "./open.ts";

export interface DryRunTable {
  name: string;
  expectedRows: number;
  actualRows: number;
  /** null when the schema was migrated forward, which may rewrite rows legitimately. */
  checksumMatches: boolean | null;
}

export interface DryRunReport {
  ok: boolean;
  scratchSchema: string;
  schemaVersion: number;
  migrated: boolean;
  tables: DryRunTable[];
}

/**
 * Restores an archive into a throw-away schema, compares every table's row count (and, when no
 * migration ran, its COPY checksum) with the manifest, and drops the schema whatever happens.
 */
export async function dryRunRestore(env: BackupEnv, row: CloudBackup): Promise<DryRunReport> {
  const tenant = await loadBackupTenant(env.db, row.tenantId);
  if (!tenant) throw new Error(`no tenant ${row.tenantId}`);
  const scratch = `tenant_dryrun_${randomBytes(8).toString("hex")}`;
  try {
    const summary = await restoreBackup({
      db: env.db,
      keys: keysFor(env, tenant),
      open: () => openBackup(env, row),
      targetSchema: scratch,
    });
    const migrated = summary.schemaVersion !== summary.manifest.schemaVersion;
    const tables: DryRunTable[] = [];
    for (const t of summary.manifest.tables) {
      const [c] = await env.sql.unsafe<{ n: string }[]>(`select count(*)::text as n from ${q(scratch)}.${q(t.name)}`);
      let checksumMatches: boolean | null = null;
      if (!migrated) {
        // Read back in the archive's own encoding, so equal rows give equal bytes.
        const tally = new CopyTally(summary.contents.copyFormat ?? "text");
        await env.sql.begin(async (tx) => {
          for await (const chunk of copyOut(tx, copyOutSql(scratch, t, tally.format))) tally.add(chunk);
        });
        checksumMatches = tally.result().sha256 === t.sha256;
      }
      tables.push({ name: t.name, expectedRows: t.rows, actualRows: Number(c?.n ?? -1), checksumMatches });
    }
    const ok = tables.every((t) => t.expectedRows === t.actualRows && t.checksumMatches !== false);
    return { ok, scratchSchema: scratch, schemaVersion: summary.schemaVersion, migrated, tables };
  } finally {
    await env.sql.unsafe(`drop schema if exists ${q(scratch)} cascade`);
  }
}
