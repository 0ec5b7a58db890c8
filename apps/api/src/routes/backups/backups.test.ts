import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { backupEnv } from "@proxpanel/backup";
import { alerts, backupDue, plans, tenants } from "@proxpanel/db";
import { and, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";

let stack: Stack;
let dataDir: string;
let a: TestTenant;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-backups-api-"));
  stack = await startStack({ DATA_DIR: dataDir });
  a = await signupTenant(stack);
});
afterAll(async () => {
  await stack.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const req = (t: TestTenant, method: string, p: string, body?: unknown, token = t.token) =>
  stack.request(method, p, { host: t.host, token, body });

/**
 * Polls the job; once the restore commits the caller's token stops working, so it signs in again.
 * The pause grows to 1 s: a restore takes tens of seconds on Citus, and polling every 50 ms that
 * long ran into the tenant's request rate limit (429).
 */
async function waitForRestore(t: TestTenant, jobId: string, token: string) {
  let pause = 50;
  for (;;) {
    let res = await req(t, "GET", `/api/backups/restores/${jobId}`, undefined, token);
    if (res.status === 401) {
      const login = await stack.request("POST", "/api/auth/login", {
        host: t.host,
        body: { email: t.email, password: t.password },
      });
      token = login.body.token;
      res = await req(t, "GET", `/api/backups/restores/${jobId}`, undefined, token);
    }
    expect(res.status).toBe(200);
    if (res.body.job.status !== "running" && res.body.job.status !== "queued") return res.body.job;
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(pause * 2, 1000);
  }
}

describe("backups API", () => {
  it("creates, lists with quota usage, downloads and deletes an archive", async () => {
    const uploads = path.join(dataDir, "uploads", `tenant_${a.id}`, "branding");
    await fs.mkdir(uploads, { recursive: true });
    await fs.writeFile(path.join(uploads, "logo.png"), "not really a png");

    const created = await req(a, "POST", "/api/backups");
    expect(created.status).toBe(201);
    const b = created.body.backup;
    expect(b.status).toBe("uploaded");
    expect(b.filename).toMatch(/^backup-.*\.proisp\.bak$/);

    const list = await req(a, "GET", "/api/backups");
    expect(list.status).toBe(200);
    expect(list.body.items.map((i: { id: string }) => i.id)).toContain(b.id);
    expect(list.body.quota.usedBytes).toBe(b.sizeBytes);
    expect(list.body.quota.limitBytes).toBe(1024 * 1024 * 1024);
    expect(list.body.quota.percent).toBeGreaterThanOrEqual(0);

    const dl = await req(a, "GET", `/api/backups/${b.id}/download`);
    expect(dl.status).toBe(200);
    expect(dl.headers["content-disposition"]).toContain(b.filename);
    expect(Number(dl.headers["content-length"])).toBe(b.sizeBytes);
    expect(String(dl.body).startsWith("PROXPANEL_ENCRYPTED_BACKUP_V2")).toBe(true);

    expect((await req(a, "DELETE", `/api/backups/${b.id}`)).status).toBe(204);
    expect((await req(a, "GET", `/api/backups/${b.id}/download`)).status).toBe(404);
    const store = path.join(dataDir, "object-store", "cloud_backups", `tenant_${a.id}`, b.filename);
    await expect(fs.stat(store)).rejects.toThrow();
  });

  it("refuses a backup over the plan quota with 507, deletes nothing and raises an alert", async () => {
    const t = await signupTenant(stack);
    const first = await req(t, "POST", "/api/backups");
    expect(first.status).toBe(201);
    const { db } = stack.runtime.deps;
    const code = `tiny${Date.now().toString(36)}`;
    // The quota holds exactly the first archive: any second one goes over.
    await db.insert(plans).values({
      code,
      name: "Tiny",
      backupQuotaBytes: first.body.backup.sizeBytes,
      backupRetentionDays: 7,
    });
    await db.update(tenants).set({ plan: code }).where(eq(tenants.id, t.id));

    const res = await req(t, "POST", "/api/backups");
    expect(res.status).toBe(507);
    expect(res.body.error.code).toBe("backup_quota_exceeded");
    const list = await req(t, "GET", "/api/backups");
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([first.body.backup.id]);
    expect(list.body.quota.percent).toBe(100);
    const open = await db
      .select()
      .from(alerts)
      .where(and(eq(alerts.tenantId, t.id), eq(alerts.kind, "over_quota")));
    expect(open.length).toBe(1);
    const staged = await fs.readdir(path.join(dataDir, "backup-staging", "cloud_backups", `tenant_${t.id}`));
    expect(staged).toEqual([]);
  });

  it("restores the archive: data back, uploads back, every old token refused", async () => {
    const t = await signupTenant(stack);
    const logo = path.join(dataDir, "uploads", `tenant_${t.id}`, "logo.txt");
    await fs.mkdir(path.dirname(logo), { recursive: true });
    await fs.writeFile(logo, "original");
    const backup = (await req(t, "POST", "/api/backups")).body.backup;

    const added = await req(t, "POST", "/api/users", {
      email: "after-backup@staff.example",
      password: "staff-password-1",
    });
    expect(added.status).toBe(201);
    await fs.writeFile(logo, "changed");

    const started = await req(t, "POST", `/api/backups/${backup.id}/restore`);
    expect(started.status).toBe(202);
    const job = await waitForRestore(t, started.body.job.id, t.token);
    expect(job.status).toBe("succeeded");

    expect((await req(t, "GET", "/api/users")).status).toBe(401);
    const login = await stack.request("POST", "/api/auth/login", {
      host: t.host,
      body: { email: t.email, password: t.password },
    });
    expect(login.status).toBe(200);
    const users = await req(t, "GET", "/api/users?limit=100", undefined, login.body.token);
    expect(users.body.items.map((u: { email: string }) => u.email)).not.toContain("after-backup@staff.example");
    expect(await fs.readFile(logo, "utf8")).toBe("original");
    const audit = await req(t, "GET", "/api/audit-logs?limit=100", undefined, login.body.token);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain("backup.restore");
  });

  it("manages schedules, keeps the due-time index and refuses hourly on trial", async () => {
    const t = await signupTenant(stack);
    const { db } = stack.runtime.deps;
    await db.update(tenants).set({ timezone: "Asia/Beirut" }).where(eq(tenants.id, t.id));
    const created = await req(t, "POST", "/api/backups/schedules", { frequency: "daily", timeOfDay: "02:00" });
    expect(created.status).toBe(201);
    const id = created.body.schedule.id;
    const due = await db.select().from(backupDue).where(eq(backupDue.tenantId, t.id));
    expect(due.map((d) => d.scheduleId)).toEqual([id]);
    // 02:00 in Beirut is 23:00 or 00:00 UTC depending on DST.
    expect([23, 0]).toContain(new Date(created.body.schedule.nextRunAt).getUTCHours());

    const patched = await req(t, "PATCH", `/api/backups/schedules/${id}`, { enabled: false });
    expect(patched.status).toBe(200);
    expect(patched.body.schedule.nextRunAt).toBeNull();
    expect(await db.select().from(backupDue).where(eq(backupDue.tenantId, t.id))).toEqual([]);

    await db.update(tenants).set({ plan: "trial" }).where(eq(tenants.id, t.id));
    const hourly = await req(t, "POST", "/api/backups/schedules", { frequency: "hourly", timeOfDay: "00:15" });
    expect(hourly.status).toBe(403);
    expect(hourly.body.error.code).toBe("plan_restriction");
    expect(hourly.body.error.message).toMatch(/Hourly backups are not included/);

    expect((await req(t, "DELETE", `/api/backups/schedules/${id}`)).status).toBe(204);
    expect((await req(t, "GET", "/api/backups/schedules")).body.items).toEqual([]);
  });

  it("super-admin: health, pin, force, dry run, alerts", async () => {
    const { superAdminSession } = await import("../../../../../tests/harness.ts");
    const op = await superAdminSession(stack);
    const sa = (method: string, p: string) => stack.request(method, p, { token: op.token });
    const forced = await sa("POST", `/api/saas/backups/tenants/${a.id}/backup`);
    expect(forced.status).toBe(201);
    const id = forced.body.backup.id;
    expect((await sa("POST", `/api/saas/backups/${id}/pin`)).body.backup.pinned).toBe(true);
    const health = await sa("GET", "/api/saas/backups/health");
    const mine = health.body.items.find((r: { tenantId: string }) => r.tenantId === a.id);
    expect(mine.usedBytes).toBeGreaterThan(0);
    expect(mine.lastBackupAt).not.toBeNull();
    const dry = await sa("POST", `/api/saas/backups/${id}/dry-run`);
    expect(dry.status).toBe(200);
    expect(dry.body.report.ok).toBe(true);
    expect(dry.body.report.tables.length).toBeGreaterThan(5);
    const [s] = await stack.runtime.deps.sql<{ n: number }[]>`
      select count(*)::int as n from pg_namespace where nspname = ${dry.body.report.scratchSchema}`;
    expect(s?.n).toBe(0);
    const alertsRes = await sa("GET", "/api/saas/backups/alerts");
    expect(alertsRes.status).toBe(200);
    if (alertsRes.body.items[0]) {
      const r = await sa("POST", `/api/saas/backups/alerts/${alertsRes.body.items[0].id}/resolve`);
      expect(r.body.alert.resolvedAt).not.toBeNull();
    }
    // A tenant token is refused on the console.
    expect((await stack.request("GET", "/api/saas/backups/health", { token: a.token })).status).toBe(401);
  });

  it("retention removes expired archives and keeps pinned ones", async () => {
    const { applyRetention } = await import("@proxpanel/backup");
    const t = await signupTenant(stack);
    const keep = (await req(t, "POST", "/api/backups")).body.backup;
    const drop = (await req(t, "POST", "/api/backups")).body.backup;
    const op = await (await import("../../../../../tests/harness.ts")).superAdminSession(stack);
    await stack.request("POST", `/api/saas/backups/${keep.id}/pin`, { token: op.token });
    const removed = await applyRetention(backupEnv(stack.runtime.deps), new Date(Date.now() + 40 * 86_400_000));
    const ids = removed.map((r) => r.id);
    expect(ids).toContain(drop.id);
    expect(ids).not.toContain(keep.id);
    const list = await req(t, "GET", "/api/backups");
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([keep.id]);
    const dl = await req(t, "GET", `/api/backups/${keep.id}/download`);
    expect(createHash("sha256").update(Buffer.from(dl.body)).digest("hex")).toBeDefined();
  });
});
