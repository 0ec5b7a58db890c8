import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import {
  type BackupEnv,
  LocalObjectStore,
  S3ObjectStore,
  stagingFile,
  UPLOAD_ALERT_AFTER,
  uploadBackup,
} from "@proxpanel/backup";
import { alerts, cloudBackups, connect, type Database, tenants } from "@proxpanel/db";
import { and, eq, isNull } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkStagingSpace, STAGING_ALERT_RATIO } from "./staging.ts";

let database: Database;
let dir: string;

beforeAll(async () => {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("run through vitest");
  database = connect(url, { max: 2 });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-staging-"));
});
afterAll(async () => {
  await database.close();
  await fs.rm(dir, { recursive: true, force: true });
});

const openAlerts = (kind: "staging_full" | "upload_failing", tenantId: string | null) =>
  database.db
    .select()
    .from(alerts)
    .where(
      and(
        eq(alerts.kind, kind),
        tenantId ? eq(alerts.tenantId, tenantId) : isNull(alerts.tenantId),
        isNull(alerts.resolvedAt),
      ),
    );

describe("staging directory alerts", () => {
  it(`raises staging_full once the staging filesystem is over ${STAGING_ALERT_RATIO * 100} % full`, async () => {
    // A real, small filesystem (tmpfs of 1 MiB) rather than a faked statfs.
    const mnt = path.join(dir, "small-fs");
    await fs.mkdir(mnt);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt]);
    try {
      const staging = path.join(mnt, "backup-staging");
      await database.db.delete(alerts).where(and(eq(alerts.kind, "staging_full"), isNull(alerts.tenantId)));
      await fs.mkdir(staging);
      await fs.writeFile(path.join(staging, "half.proisp.bak"), Buffer.alloc(512 * 1024));
      const half = await checkStagingSpace(database.db, staging);
      expect(half).toBeGreaterThan(0.4);
      expect(half).toBeLessThanOrEqual(STAGING_ALERT_RATIO);
      expect(await openAlerts("staging_full", null)).toHaveLength(0);

      await fs.writeFile(path.join(staging, "more.proisp.bak"), Buffer.alloc(400 * 1024));
      expect(await checkStagingSpace(database.db, staging)).toBeGreaterThan(STAGING_ALERT_RATIO);
      // A second check while still full does not add a second alert.
      await checkStagingSpace(database.db, staging);
      const open = await openAlerts("staging_full", null);
      expect(open).toHaveLength(1);
      expect(open[0]?.message).toContain(staging);
    } finally {
      execFileSync("umount", [mnt]);
      await database.db.delete(alerts).where(and(eq(alerts.kind, "staging_full"), isNull(alerts.tenantId)));
    }
  });
});

/** A loopback port with nothing listening on it: an S3 endpoint that refuses every connection. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe("upload retries", () => {
  it(`raises upload_failing after ${UPLOAD_ALERT_AFTER} failed uploads, keeps the archive, and uploads it once the store is back`, async () => {
    const slug = `stg-${Date.now().toString(36)}`;
    const [tenant] = await database.db
      .insert(tenants)
      .values({
        slug,
        schemaName: `tenant_${slug.replace("-", "_")}`,
        companyName: "Staging",
        plan: "starter",
        secret: "s",
      })
      .returning();
    if (!tenant) throw new Error("tenant not created");
    const down: BackupEnv = {
      db: database.db,
      sql: database.sql,
      store: new S3ObjectStore({
        bucket: "backups",
        client: { endPoint: "127.0.0.1", port: await closedPort(), useSSL: false, accessKey: "k", secretKey: "s" },
      }),
      licenseKey: "LIC-STAGING",
      stagingDir: path.join(dir, "staging"),
      dataDir: dir,
    };
    const filename = "backup-20010101T000000Z-abcdef.proisp.bak";
    const file = stagingFile(down, tenant.id, filename);
    const bytes = Buffer.from(`PROXPANEL_ENCRYPTED_BACKUP_V2 stand-in ${"x".repeat(5000)}`);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, bytes);
    let [row] = await database.db
      .insert(cloudBackups)
      .values({
        tenantId: tenant.id,
        filename,
        objectKey: `cloud_backups/tenant_${tenant.id}/${filename}`,
        sizeBytes: bytes.length,
        status: "pending_upload",
        schemaVersion: 1,
        keyId: "0".repeat(32),
      })
      .returning();
    try {
      let now = new Date("2001-01-01T00:00:00Z");
      for (let n = 1; n <= UPLOAD_ALERT_AFTER; n++) {
        row = await uploadBackup(down, row as typeof cloudBackups.$inferSelect, now);
        expect(row.status).toBe("pending_upload");
        expect(row.attempts).toBe(n);
        expect(row.nextAttemptAt?.getTime()).toBeGreaterThan(now.getTime());
        expect(await openAlerts("upload_failing", tenant.id)).toHaveLength(n < UPLOAD_ALERT_AFTER ? 0 : 1);
        now = row.nextAttemptAt as Date;
      }
      // Nothing lost while the store was down.
      expect(await fs.readFile(file)).toEqual(bytes);

      const storeDir = path.join(dir, "store");
      const up: BackupEnv = { ...down, store: new LocalObjectStore(storeDir) };
      row = await uploadBackup(up, row as typeof cloudBackups.$inferSelect, now);
      expect(row.status).toBe("uploaded");
      await expect(fs.stat(file)).rejects.toThrow();
      const stored = await fs.readFile(path.join(storeDir, "cloud_backups", `tenant_${tenant.id}`, filename));
      expect(createHash("sha256").update(stored).digest("hex")).toBe(createHash("sha256").update(bytes).digest("hex"));
    } finally {
      await database.db.delete(cloudBackups).where(eq(cloudBackups.tenantId, tenant.id));
      await database.db.delete(alerts).where(eq(alerts.tenantId, tenant.id));
      await database.db.delete(tenants).where(eq(tenants.id, tenant.id));
    }
  });
});
