import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import { type CloudBackup, cloudBackups } from "@proxpanel/db";
import { and, eq, inArray, sql } from "drizzle-orm";
import { TenantBackupStore } from "../store/tenant.ts";
import { raiseAlert } from "./alerts.ts";
import { type BackupEnv, stagingFile } from "./env.ts";

/** Failed attempts after which an `upload_failing` alert is raised (the retries go on). */
export const UPLOAD_ALERT_AFTER = 5;
/** A claimed row is left alone by other workers this long, so one upload is never run twice at once. */
const LEASE_MS = 10 * 60_000;

/** 30 s, 1 min, 2 min … capped at an hour: a long outage costs one attempt an hour per archive. */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/**
 * Uploads one staged archive. A store failure is not thrown: the row stays `pending_upload` with
 * its next attempt scheduled, and the staging file stays where it is.
 */
export async function uploadBackup(env: BackupEnv, row: CloudBackup, now = new Date()): Promise<CloudBackup> {
  const file = stagingFile(env, row.tenantId, row.filename);
  const size = await fs.stat(file).then(
    (s) => s.size,
    () => undefined,
  );
  if (size === undefined) {
    // Nothing left to upload (the staging disk was wiped): say so rather than retry forever.
    return update(env, row.id, { status: "failed", error: "staging file is missing", nextAttemptAt: null });
  }
  try {
    // The key is rebuilt from tenant id and name; the stored object_key is informational only.
    await new TenantBackupStore(env.store, row.tenantId).put(row.filename, createReadStream(file), size);
  } catch (err) {
    const attempts = row.attempts + 1;
    if (attempts >= UPLOAD_ALERT_AFTER) {
      await raiseAlert(
        env.db,
        row.tenantId,
        "upload_failing",
        `Backup ${row.filename} failed to upload ${attempts} times`,
      );
    }
    return update(env, row.id, {
      attempts,
      error: err instanceof Error ? err.message.slice(0, 500) : String(err),
      nextAttemptAt: new Date(now.getTime() + retryDelayMs(attempts)),
    });
  }
  const done = await update(env, row.id, {
    status: "uploaded",
    attempts: row.attempts + 1,
    error: null,
    nextAttemptAt: null,
    uploadedAt: now,
  });
  await fs.rm(file, { force: true });
  return done;
}

async function update(env: BackupEnv, id: string, set: Partial<typeof cloudBackups.$inferInsert>) {
  const [row] = await env.db.update(cloudBackups).set(set).where(eq(cloudBackups.id, id)).returning();
  if (!row) throw new Error(`backup ${id} disappeared during upload`);
  return row;
}

/**
 * The retry loop's one pass: claims due `pending_upload` rows (skipping rows another worker holds)
 * and tries each once. Rows survive a restart because the state is in the registry and on disk.
 */
export async function retryPendingUploads(
  env: BackupEnv,
  opts: { now?: Date; limit?: number } = {},
): Promise<CloudBackup[]> {
  const now = opts.now ?? new Date();
  const claimed = await env.db.transaction(async (tx) => {
    const due = await tx
      .select({ id: cloudBackups.id })
      .from(cloudBackups)
      .where(
        and(
          eq(cloudBackups.status, "pending_upload"),
          sql`coalesce(${cloudBackups.nextAttemptAt}, '-infinity') <= ${now.toISOString()}`,
        ),
      )
      .orderBy(cloudBackups.createdAt)
      .limit(opts.limit ?? 50)
      .for("update", { skipLocked: true });
    if (due.length === 0) return [];
    return tx
      .update(cloudBackups)
      .set({ nextAttemptAt: new Date(now.getTime() + LEASE_MS) })
      .where(
        inArray(
          cloudBackups.id,
          due.map((d) => d.id),
        ),
      )
      .returning();
  });
  const out: CloudBackup[] = [];
  for (const row of claimed) out.push(await uploadBackup(env, row, now));
  return out;
}
