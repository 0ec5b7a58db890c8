// PostgreSQL down fails fast and clearly: 503 database_unavailable (with Retry-After) within
// seconds, not a 500 after the driver's timeout; recovery on its own when the server is back. A
// private embedded server of this test's own, never the machine's.
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type EmbeddedServer, startEmbeddedPostgres } from "@proxpanel/db/embedded";
import { migratePublic } from "@proxpanel/db/migrate/public";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "./harness.ts";

let dir: string;
let server: EmbeddedServer;
let stack: Stack;
let tenant: TestTenant;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "proxpanel-pg-outage-"));
  chmodSync(dir, 0o755);
  server = await startEmbeddedPostgres({ dir: path.join(dir, "data"), port: 0, database: "outage" });
  await migratePublic(server.url);
  stack = await startStack({ DATABASE_URL: server.url, REDIS_URL: "" });
  tenant = await signupTenant(stack);
}, 120_000);
afterAll(async () => {
  await stack?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("PostgreSQL outage", () => {
  it("answers 503 database_unavailable at once while the server is down, and recovers on its own", async () => {
    const list = () => stack.request("GET", "/api/subscribers", { host: tenant.host, token: tenant.token });
    expect((await list()).status).toBe(200);

    await server.stop();
    const started = Date.now();
    const down = await list();
    const took = Date.now() - started;
    expect(down.status).toBe(503);
    expect(down.body.error.code).toBe("database_unavailable");
    expect(down.headers["retry-after"]).toBe("5");
    // Measured, not asserted tightly: the driver's connect timeout is 5 s, its default 30 s.
    expect(took).toBeLessThan(10_000);
    const ready = await stack.request("GET", "/readyz");
    expect(ready.status).toBe(503);

    server = await startEmbeddedPostgres({ dir: path.join(dir, "data"), port: server.port, database: "outage" });
    await expect.poll(async () => (await list()).status, { timeout: 20_000, interval: 250 }).toBe(200);
  }, 60_000);
});
