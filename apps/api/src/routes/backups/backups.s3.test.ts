import { createHash } from "node:crypto";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { backupEnv, retryPendingUploads } from "@proxpanel/backup";
import S3rver from "s3rver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack } from "../../../../../tests/harness.ts";

let s3dir: string;
let dataDir: string;
let server: S3rver;
let port: number;
let stack: Stack;

function s3(p: number) {
  return new S3rver({
    address: "127.0.0.1",
    port: p,
    silent: true,
    directory: s3dir,
    configureBuckets: [{ name: "backups" }],
  });
}

beforeAll(async () => {
  s3dir = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-s3api-"));
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-s3data-"));
  server = s3(0);
  ({ port } = await server.run());
  stack = await startStack({
    DATA_DIR: dataDir,
    S3_ENDPOINT: `http://127.0.0.1:${port}`,
    S3_BUCKET: "backups",
    // s3rver's fixed credentials.
    S3_ACCESS_KEY: "S3RVER",
    S3_SECRET_KEY: "S3RVER",
  });
});
afterAll(async () => {
  await stack.close();
  await server.close();
  await fs.rm(s3dir, { recursive: true, force: true });
  await fs.rm(dataDir, { recursive: true, force: true });
});

describe("backups against an S3 server that goes away", () => {
  it("keeps the archive pending_upload while S3 is down and uploads it, checksum intact, once it is back", async () => {
    const t = await signupTenant(stack);
    const up = await stack.request("POST", "/api/backups", { host: t.host, token: t.token });
    expect(up.body.backup.status).toBe("uploaded");

    await server.close();
    const created = await stack.request("POST", "/api/backups", { host: t.host, token: t.token });
    expect(created.status).toBe(201);
    const pending = created.body.backup;
    expect(pending.status).toBe("pending_upload");
    expect(pending.attempts).toBe(1);
    // Still downloadable from staging meanwhile.
    const early = await stack.request("GET", `/api/backups/${pending.id}/download`, { host: t.host, token: t.token });
    expect(early.status).toBe(200);

    server = s3(port);
    await server.run();
    const env = backupEnv(stack.runtime.deps);
    // Far enough ahead that the backoff has passed.
    const done = await retryPendingUploads(env, { now: new Date(Date.now() + 86_400_000) });
    const mine = done.find((r) => r.id === pending.id);
    expect(mine?.status).toBe("uploaded");

    const object = await env.store.get(`cloud_backups/tenant_${t.id}/${pending.filename}`);
    const hash = createHash("sha256");
    for await (const chunk of object as AsyncIterable<Buffer>) hash.update(chunk);
    expect(hash.digest("hex")).toBe(pending.sha256);
    const list = await stack.request("GET", "/api/backups", { host: t.host, token: t.token });
    expect(list.body.items.every((i: { status: string }) => i.status === "uploaded")).toBe(true);
    await expect(fs.readdir(path.join(dataDir, "backup-staging", "cloud_backups", `tenant_${t.id}`))).resolves.toEqual(
      [],
    );
  });
});
