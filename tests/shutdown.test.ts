import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { cloudBackups, tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, type Stack, signupTenant, startStack, type TestTenant } from "./harness.ts";
import { apiPort, appEnv, spawnApp } from "./processes.ts";

/** Every file under `dir` (recursively), as paths relative to it. */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)));
}

/**
 * Issue 17, finding 1: SIGTERM to the API while `POST /api/backups` dumps a tenant of some size.
 * The end state must be a complete backup (its row and its archive) or nothing (no row, no file).
 */
describe("SIGTERM during a backup", { timeout: 180_000 }, () => {
  let stack: Stack;
  let tenant: TestTenant;
  const dirs: string[] = [];

  beforeAll(async () => {
    stack = await startStack();
    tenant = await signupTenant(stack);
    const { db, sql } = stack.runtime.deps;
    const [row] = await db.select({ schema: tenants.schemaName }).from(tenants).where(eq(tenants.id, tenant.id));
    // Enough sessions that the dump takes a moment (the issue used ~300,000).
    await sql.unsafe(`
      insert into "${row?.schema}".radacct (acct_session_id, acct_unique_id, username, nas_ip_address, start_time,
          session_time, input_octets, output_octets)
        select lpad(to_hex(i), 8, '0'), 'u/' || i, 'user' || (i % 1000), '10.0.0.1'::inet,
          now() - i * interval '1 second', i % 7200, (i::bigint * 7919) % 5000000000, (i::bigint * 104729) % 20000000000
        from generate_series(1, 200000) i`);
  });

  afterAll(async () => {
    await stack?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  /** Starts a backup on a real API process and sends SIGTERM once its staging file exists. */
  async function backupThenTerm(drainMs: number) {
    const dataDir = mkdtempSync(path.join(tmpdir(), "proxpanel-shutdown-"));
    dirs.push(dataDir);
    const api = spawnApp("api", appEnv({ DATA_DIR: dataDir, SHUTDOWN_DRAIN_MS: String(drainMs) }));
    try {
      const port = await apiPort(api);
      const staging = path.join(dataDir, "backup-staging");
      const answer = httpRequest(port, "POST", "/api/backups", { host: tenant.host, token: tenant.token }).catch(
        (err: unknown) => ({ status: 0, body: String(err) }),
      );
      while (filesUnder(staging).length === 0) await new Promise((r) => setTimeout(r, 10));
      const exit = await api.stop("SIGTERM");
      return { dataDir, staging, exit, answer: await answer };
    } finally {
      await api.stop("SIGKILL");
    }
  }

  const rowsOf = () => stack.runtime.deps.db.select().from(cloudBackups).where(eq(cloudBackups.tenantId, tenant.id));

  it("with time to drain, the backup finishes: its row and its archive exist", async () => {
    const before = (await rowsOf()).length;
    const { dataDir, exit, answer } = await backupThenTerm(60_000);
    expect(exit.code).toBe(0);
    expect(answer.status).toBe(201);
    const rows = await rowsOf();
    expect(rows.length).toBe(before + 1);
    const row = rows.find((r) => r.id === answer.body.backup.id);
    expect(row?.sizeBytes).toBeGreaterThan(0);
    // Uploaded to the (local) store, or still staged for the retry loop: either way the file is there.
    const archive = filesUnder(dataDir).filter((f) => f.endsWith(row?.filename ?? "?"));
    expect(archive.length).toBeGreaterThan(0);
  });

  it("with no time to drain, the backup is abandoned: no row and no file in staging", async () => {
    const before = (await rowsOf()).length;
    const { staging, exit, answer } = await backupThenTerm(0);
    expect(exit.code).toBe(0);
    expect(answer.status).not.toBe(201);
    expect((await rowsOf()).length).toBe(before);
    expect(filesUnder(staging)).toEqual([]);
  });
});
