import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, type Stack, signupTenant, startStack, type TestTenant } from "./harness.ts";
import { type AppProcess, apiPort, appEnv, scrape, spawnApp, total } from "./processes.ts";
import { holdTableLock } from "./table-lock.ts";

/**
 * Issue 17, finding 4: kill -9 of the API in the middle of a restore. The next process must say the
 * job was interrupted (not 404), drop the half-filled staging schema, and the tenant must still hold
 * all of its old data.
 */
// Child processes, 200,000 rows and a restart: minutes on a loaded 2-core machine, not seconds.
describe("a restore killed mid-way", { timeout: 180_000 }, () => {
  let stack: Stack;
  let tenant: TestTenant;
  let other: TestTenant;
  let schema: string;
  let dataDir: string;
  const children: AppProcess[] = [];

  beforeAll(async () => {
    stack = await startStack();
    [tenant, other] = [await signupTenant(stack), await signupTenant(stack)];
    const { db, sql } = stack.runtime.deps;
    const [row] = await db.select({ schema: tenants.schemaName }).from(tenants).where(eq(tenants.id, tenant.id));
    schema = row?.schema ?? "";
    // Enough sessions that loading them takes a moment.
    await sql.unsafe(`
      insert into "${schema}".radacct (acct_session_id, acct_unique_id, username, nas_ip_address, start_time,
          session_time, input_octets, output_octets)
        select lpad(to_hex(i), 8, '0'), 'u/' || i, 'user' || (i % 1000), '10.0.0.1'::inet,
          now() - i * interval '1 second', i % 7200, (i::bigint * 7919) % 5000000000, (i::bigint * 104729) % 20000000000
        from generate_series(1, 200000) i`);
    dataDir = mkdtempSync(path.join(tmpdir(), "proxpanel-restore-kill-"));
  });

  afterAll(async () => {
    for (const c of children) await c.stop("SIGKILL");
    await stack?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = () => {
    const api = spawnApp("api", appEnv({ DATA_DIR: dataDir }));
    children.push(api);
    return api;
  };

  /** Everything the tenant holds that a restore would replace, as one comparable value. */
  async function fingerprint() {
    const { sql } = stack.runtime.deps;
    const [acct] = await sql.unsafe(
      `select count(*)::int as n, md5(string_agg(acct_unique_id || ':' || input_octets, ',' order by acct_unique_id)) as h
         from "${schema}".radacct`,
    );
    const users = await sql.unsafe(`select email, session_version from "${schema}".users order by email`);
    return { acct, users: users.map((u) => ({ ...u })) };
  }

  const stagingSchemas = async () =>
    (
      await stack.runtime.deps.sql<{ name: string }[]>`
        select nspname::text as name from pg_namespace where nspname like ${`${schema}__restore_%`}`
    ).map((r) => r.name);

  it("answers interrupted after the restart, drops the staging schema and keeps the old data", async () => {
    const first = start();
    const port = await apiPort(first);
    const as = { host: tenant.host, token: tenant.token };
    const backup = await httpRequest(port, "POST", "/api/backups", as);
    expect(backup.status).toBe(201);
    // New data after the backup: a completed restore would remove it, an interrupted one must not.
    await stack.runtime.deps.sql.unsafe(
      `insert into "${schema}".radacct (acct_session_id, acct_unique_id, username, nas_ip_address, start_time)
         values ('after', 'after/1', 'late', '10.0.0.2', now())`,
    );
    const before = await fingerprint();

    // A long reader keeps the restore from swapping in, so the kill always lands before the commit,
    // however fast the machine loads.
    const lock = await holdTableLock(schema, "radacct");
    let jobId: string;
    try {
      const started = await httpRequest(port, "POST", `/api/backups/${backup.body.backup.id}/restore`, as);
      expect(started.status).toBe(202);
      jobId = started.body.job.id;
      for (;;) {
        const job = (await httpRequest(port, "GET", `/api/backups/restores/${jobId}`, as)).body.job;
        expect(job.status === "queued" || job.status === "running").toBe(true);
        if ((job.phase === "load" && job.table === "radacct") || job.phase === "migrate") break;
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(await stagingSchemas()).toHaveLength(1);
      expect((await first.stop("SIGKILL")).signal).toBe("SIGKILL");
    } finally {
      await lock.release();
    }

    const second = start();
    const port2 = await apiPort(second);
    const res = await httpRequest(port2, "GET", `/api/backups/restores/${jobId}`, as);
    expect(res.status).toBe(200);
    expect(res.body.job).toMatchObject({ id: jobId, status: "interrupted", kind: "restore" });
    expect(res.body.job.error).toContain("Start the restore again");
    expect(res.body.job.finishedAt).not.toBeNull();
    const list = await httpRequest(port2, "GET", "/api/backups/restores", as);
    expect(list.body.items[0]).toMatchObject({ id: jobId, status: "interrupted" });

    expect(await stagingSchemas()).toEqual([]);
    expect(await fingerprint()).toEqual(before);
    // The sessions were not ended either: the same token still reads the tenant.
    expect((await httpRequest(port2, "GET", "/api/users", as)).status).toBe(200);

    const metricsPort = Number((await second.logged("metrics listening")).port);
    const text = await scrape(metricsPort);
    expect(
      total(text, "proxpanel_backup_duration_seconds_count", { operation: "restore", outcome: "interrupted" }),
    ).toBeGreaterThanOrEqual(1);

    // Another tenant cannot read the job, by id or in its list, on the new process.
    const foreign = await httpRequest(port2, "GET", `/api/backups/restores/${jobId}`, {
      host: other.host,
      token: other.token,
    });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe("not_found");
    const foreignList = await httpRequest(port2, "GET", "/api/backups/restores", {
      host: other.host,
      token: other.token,
    });
    expect(foreignList.body.items).toEqual([]);
    // Nor with its token on the owner's host.
    expect(
      (await httpRequest(port2, "GET", `/api/backups/restores/${jobId}`, { host: tenant.host, token: other.token }))
        .status,
    ).toBe(401);

    // The tenant can restore again, and that one completes.
    const again = await httpRequest(port2, "POST", `/api/backups/${backup.body.backup.id}/restore`, as);
    expect(again.status).toBe(202);
    let job = again.body.job;
    while (job.status === "queued" || job.status === "running") {
      await new Promise((r) => setTimeout(r, 50));
      const polled = await httpRequest(port2, "GET", `/api/backups/restores/${job.id}`, as);
      if (polled.status === 401) break; // the committed restore ended every session
      job = polled.body.job;
    }
    expect((await fingerprint()).acct).toEqual({ n: 200000, h: expect.any(String) });
  });
});
