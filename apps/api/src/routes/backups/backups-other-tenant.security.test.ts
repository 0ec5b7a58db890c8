import fs from "node:fs/promises";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Response, type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";

let stack: Stack;
let dataDir: string;
let a: TestTenant; // restores into its own schema
let b: TestTenant; // the source of the archive
let archive: Buffer;
let bSecret: string;
let bBackupId: string;

const req = (t: TestTenant, method: string, p: string, body?: unknown, token = t.token) =>
  stack.request(method, p, { host: t.host, token, body });

/** A binary POST (the harness sends JSON or strings). */
function postArchive(t: TestTenant, token: string, body: Buffer, headers: Record<string, string>): Promise<Response> {
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        host: "127.0.0.1",
        port: stack.port,
        method: "POST",
        path: "/api/backups/restore-upload",
        headers: {
          host: t.host,
          authorization: `Bearer ${token}`,
          "content-type": "application/octet-stream",
          "content-length": String(body.length),
          ...headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text ? JSON.parse(text) : null });
        });
      },
    );
    r.on("error", reject);
    r.end(body);
  });
}

async function userEmails(t: TestTenant, token = t.token): Promise<string[]> {
  const res = await req(t, "GET", "/api/users?limit=100", undefined, token);
  expect(res.status).toBe(200);
  return res.body.items.map((u: { email: string }) => u.email).sort();
}

/** A user of `a` whose group holds the named permissions (granted explicitly by the owner). */
let n = 0;
async function staff(permissions: string[]) {
  n += 1;
  const group = await req(a, "POST", "/api/permission-groups", { name: `restorers-${n}`, permissions });
  expect(group.status).toBe(201);
  const email = `restorer${n}@staff.example`;
  const password = "staff-password-1";
  const created = await req(a, "POST", "/api/users", { email, password, permissionGroupId: group.body.group.id });
  expect(created.status).toBe(201);
  const login = await stack.request("POST", "/api/auth/login", { host: a.host, body: { email, password } });
  expect(login.status).toBe(200);
  return login.body.token as string;
}

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-backups-other-"));
  stack = await startStack({ DATA_DIR: dataDir });
  [a, b] = await Promise.all([signupTenant(stack), signupTenant(stack)]);
  expect(
    (await req(b, "POST", "/api/users", { email: "only-in-b@staff.example", password: "staff-password-1" })).status,
  ).toBe(201);
  const created = await req(b, "POST", "/api/backups");
  expect(created.status).toBe(201);
  bBackupId = created.body.backup.id;
  // The archive as tenant B downloads it, handed to A out of band.
  archive = await fs.readFile(
    path.join(dataDir, "object-store", "cloud_backups", `tenant_${b.id}`, created.body.backup.filename),
  );
  const [row] = await stack.runtime.deps.db
    .select({ secret: tenants.secret })
    .from(tenants)
    .where(eq(tenants.id, b.id));
  bSecret = row?.secret as string;
});
afterAll(async () => {
  await stack.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe("restoring another tenant's archive", () => {
  it("is refused with 403 without backups.restore_from_other_tenant, even for the owner (*)", async () => {
    const before = await userEmails(a);
    const ok = { "x-source-tenant-secret": bSecret };
    expectError(await postArchive(a, a.token, archive, ok), 403, "forbidden");
    const restorer = await staff(["backups.*"]);
    expectError(await postArchive(a, restorer, archive, ok), 403, "forbidden");
    expect(await userEmails(a)).toEqual([...before, "restorer1@staff.example"].sort());
  });

  it("with the permission, refuses wrong key material or a damaged archive and changes nothing", async () => {
    const token = await staff(["backups.restore", "backups.restore_from_other_tenant"]);
    const before = await userEmails(a);
    const wrongSecret = await postArchive(a, token, archive, { "x-source-tenant-secret": `${bSecret}x` });
    expectError(wrongSecret, 422, "backup_key_mismatch");
    const wrongLicense = await postArchive(a, token, archive, {
      "x-source-tenant-secret": bSecret,
      "x-source-license-key": "LIC-NOT-THIS-CLUSTER",
    });
    expectError(wrongLicense, 422, "backup_key_mismatch");
    // A's own secret does not open B's archive either.
    const [own] = await stack.runtime.deps.db.select({ s: tenants.secret }).from(tenants).where(eq(tenants.id, a.id));
    expectError(
      await postArchive(a, token, archive, { "x-source-tenant-secret": own?.s as string }),
      422,
      "backup_key_mismatch",
    );
    expectError(
      await postArchive(a, token, Buffer.from("not an archive"), { "x-source-tenant-secret": bSecret }),
      422,
      "backup_archive_invalid",
    );
    expectError(await postArchive(a, token, archive, {}), 400, "validation_error");

    // Right key, one flipped byte in the last chunk: the job fails at verification.
    const damaged = Buffer.from(archive);
    damaged[damaged.length - 5] = (damaged[damaged.length - 5] as number) ^ 1;
    const started = await postArchive(a, token, damaged, { "x-source-tenant-secret": bSecret });
    expect(started.status).toBe(202);
    let job = started.body.job;
    while (job.status === "queued" || job.status === "running") {
      await new Promise((r) => setTimeout(r, 50));
      job = (await req(a, "GET", `/api/backups/restores/${job.id}`, undefined, token)).body.job;
    }
    expect(job.status).toBe("failed");
    expect(await userEmails(a)).toEqual(before);
    const audit = await req(a, "GET", "/api/audit-logs?limit=100");
    const refused = audit.body.items.filter(
      (e: { action: string }) => e.action === "backup.restore_from_other_tenant_refused",
    );
    expect(refused).toHaveLength(3);
    // The secret itself is never written anywhere.
    expect(JSON.stringify(audit.body)).not.toContain(bSecret);
    // Nothing of the refused uploads is left on disk.
    const incoming = await fs.readdir(path.join(dataDir, "backup-staging", "incoming")).catch(() => []);
    expect(incoming).toEqual([]);
  });

  it("never reaches another tenant's archive in the store by id or file name", async () => {
    expectError(await req(a, "GET", `/api/backups/${bBackupId}/download`), 404, "not_found");
    expectError(await req(a, "POST", `/api/backups/${bBackupId}/restore`), 404, "not_found");
    const [row] = (await req(b, "GET", "/api/backups")).body.items;
    expectError(await req(a, "GET", `/api/backups/${row.filename}/download`), 400, "validation_error");
    expectError(
      await req(a, "GET", `/api/backups/..%2Ftenant_${b.id}%2F${row.filename}/download`),
      400,
      "validation_error",
    );
  });

  it("with the permission and B's secret, replaces A's data with B's and ends A's sessions", async () => {
    const token = await staff(["backups.restore", "backups.restore_from_other_tenant"]);
    const started = await postArchive(a, token, archive, { "x-source-tenant-secret": bSecret });
    expect(started.status).toBe(202);
    expect(started.body.job.kind).toBe("restore_upload");
    // Once the restore commits the restorer's token stops working: read on as B's owner, whose
    // account the restore brought to A's host.
    let job = started.body.job;
    let reader = token;
    while (job.status === "queued" || job.status === "running") {
      await new Promise((r) => setTimeout(r, 50));
      const res = await req(a, "GET", `/api/backups/restores/${job.id}`, undefined, reader);
      if (res.status === 401) {
        const login = await stack.request("POST", "/api/auth/login", {
          host: a.host,
          body: { email: b.email, password: b.password },
        });
        if (login.status === 200) reader = login.body.token;
        continue;
      }
      expect(res.status).toBe(200);
      job = res.body.job;
    }
    expect(job.status).toBe("succeeded");
    // The restorer's account was A's: it is gone with the rest of A's data.
    expect((await req(a, "GET", "/api/users", undefined, token)).status).toBe(401);
    expect((await req(a, "GET", "/api/users")).status).toBe(401);
    // B's owner and staff now exist on A's host; B itself is untouched.
    const login = await stack.request("POST", "/api/auth/login", {
      host: a.host,
      body: { email: b.email, password: b.password },
    });
    expect(login.status).toBe(200);
    expect(await userEmails(a, login.body.token)).toEqual(await userEmails(b));
    expect(await userEmails(b)).toContain("only-in-b@staff.example");
    const audit = await req(a, "GET", "/api/audit-logs?limit=100", undefined, login.body.token);
    expect(audit.body.items.map((e: { action: string }) => e.action)).toContain("backup.restore_from_other_tenant");
  });
});
