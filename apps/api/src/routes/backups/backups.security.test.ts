import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { backupKey, stagingFile, TenantBackupStore } from "@proxpanel/backup";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";

let stack: Stack;
let dataDir: string;
let a: TestTenant;
let b: TestTenant;
let backupA: { id: string; filename: string };

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-backups-sec-"));
  stack = await startStack({ DATA_DIR: dataDir });
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
  backupA = (await stack.request("POST", "/api/backups", { host: a.host, token: a.token })).body.backup;
});
afterAll(async () => {
  await stack.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const asB = (method: string, p: string) => stack.request(method, p, { host: b.host, token: b.token });

describe("backups across tenants", () => {
  it("answers 404 to every use of another tenant's backup id and changes nothing", async () => {
    expect((await asB("GET", `/api/backups/${backupA.id}/download`)).status).toBe(404);
    expect((await asB("POST", `/api/backups/${backupA.id}/restore`)).status).toBe(404);
    expect((await asB("DELETE", `/api/backups/${backupA.id}`)).status).toBe(404);
    expect((await asB("GET", "/api/backups")).body.items).toEqual([]);
    const stillThere = await stack.request("GET", `/api/backups/${backupA.id}/download`, {
      host: a.host,
      token: a.token,
    });
    expect(stillThere.status).toBe(200);
  });

  it("does not show one tenant's restore job to another", async () => {
    const started = await stack.request("POST", `/api/backups/${backupA.id}/restore`, { host: a.host, token: a.token });
    expect(started.status).toBe(202);
    expect((await asB("GET", `/api/backups/restores/${started.body.job.id}`)).status).toBe(404);
  });

  it("refuses path traversal in ids and names before any store or file is touched", async () => {
    for (const id of ["..%2F..%2Fetc%2Fpasswd", "..", "%2e%2e", `${backupA.id}%2F..`]) {
      const res = await asB("GET", `/api/backups/${id}/download`);
      expect([400, 404]).toContain(res.status);
    }
    for (const name of ["../x.proisp.bak", "a/../../b.proisp.bak", "..proisp.bak", "/etc/passwd", "x.proisp.bak/.."]) {
      expect(() => backupKey(a.id, name)).toThrow();
      expect(() => stagingFile({ stagingDir: dataDir }, a.id, name)).toThrow();
    }
    expect(() => backupKey("../other", "x.proisp.bak")).toThrow();
    const store = new TenantBackupStore(stack.runtime.deps.backup.store, b.id);
    await expect(store.get(`../tenant_${a.id}/${backupA.filename}`)).rejects.toThrow(/invalid backup file name/);
  });

  it("requires the backups permissions", async () => {
    const group = await stack.request("POST", "/api/permission-groups", {
      host: a.host,
      token: a.token,
      body: { name: "viewers", permissions: ["backups.view"] },
    });
    const user = await stack.request("POST", "/api/users", {
      host: a.host,
      token: a.token,
      body: { email: "viewer@a.example", password: "viewer-password-1", permissionGroupId: group.body.group.id },
    });
    expect(user.status).toBe(201);
    const login = await stack.request("POST", "/api/auth/login", {
      host: a.host,
      body: { email: "viewer@a.example", password: "viewer-password-1" },
    });
    const as = (method: string, p: string) => stack.request(method, p, { host: a.host, token: login.body.token });
    expect((await as("GET", "/api/backups")).status).toBe(200);
    expect((await as("POST", "/api/backups")).status).toBe(403);
    expect((await as("DELETE", `/api/backups/${backupA.id}`)).status).toBe(403);
    expect((await as("POST", `/api/backups/${backupA.id}/restore`)).status).toBe(403);
    expect((await as("POST", "/api/backups/schedules")).status).toBe(403);
  });
});
