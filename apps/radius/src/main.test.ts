import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { radclient, requireRadclient } from "@proxpanel/radius/testing/radclient";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, TEST_SECRETS, uniqueSlug } from "../../../tests/harness.ts";

describe("apps/radius main", () => {
  let stack: Stack;
  let schemaName: string;
  const identifier = uniqueSlug("main-nas");
  const secret = "standalone-secret";

  beforeAll(async () => {
    requireRadclient();
    stack = await startStack();
    const t = await signupTenant(stack);
    const call = async (path: string, body: unknown) => {
      const res = await stack.request("POST", path, { host: t.host, token: t.token, body });
      if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body;
    };
    const { plan } = await call("/api/plans", { name: "Basic", downloadKbps: 8000, uploadKbps: 2000 });
    await call("/api/subscribers", { username: "carol", password: "carol-password", planId: plan.id });
    await call("/api/nas", { name: "Standalone", ipAddress: "127.0.0.1", identifier, secret });
    const sql = postgres(process.env.TEST_DATABASE_URL as string, { max: 1, onnotice: () => {} });
    [{ schema_name: schemaName } = { schema_name: "" }] = await sql<{ schema_name: string }[]>`
      select schema_name from public.tenants where id = ${t.id}`;
    await sql.end();
  });

  /** The daemon as `npm start` runs it, on free ports; resolves with the lines it prints as they come. */
  function spawnDaemon(extra: Record<string, string> = {}) {
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", main], {
      env: {
        ...process.env,
        DATABASE_URL: process.env.TEST_DATABASE_URL,
        DATA_ENCRYPTION_KEY: TEST_SECRETS.DATA_ENCRYPTION_KEY,
        RADIUS_AUTH_PORT: "0",
        RADIUS_ACCT_PORT: "0",
        RADIUS_HOST: "127.0.0.1",
        ...extra,
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const lines: Record<string, unknown>[] = [];
    const waiting: (() => void)[] = [];
    if (child.stdout)
      createInterface({ input: child.stdout }).on("line", (l) => {
        lines.push(JSON.parse(l) as Record<string, unknown>);
        for (const w of waiting.splice(0)) w();
      });
    /** The first line whose msg is `msg`, as soon as it is printed. */
    const line = (msg: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const check = () => {
          const found = lines.find((l) => l.msg === msg);
          if (found) resolve(found);
          else waiting.push(check);
        };
        child.once("exit", (code) => reject(new Error(`daemon exited with ${code}`)));
        check();
      });
    const stop = async () => {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    };
    return { line, stop };
  }

  it("opens its sockets before the NAS routes are loaded, holds what arrives, and a NAS retrying meanwhile gets its Access-Accept", async () => {
    // Stand-in for a long start-up (36 s at 1,000 tenants under load): the route load reads this
    // tenant's NAS devices, so holding an exclusive lock on that table keeps it from finishing.
    const blocker = postgres(process.env.TEST_DATABASE_URL as string, { max: 1, onnotice: () => {} });
    let unblock = () => {};
    const locked = new Promise<void>((lockTaken) => {
      void blocker
        .begin(async (tx) => {
          await tx.unsafe(`lock table "${schemaName}".nas_devices in access exclusive mode`);
          lockTaken();
          await new Promise<void>((resolve) => {
            unblock = resolve;
          });
        })
        .catch(() => {});
    });
    await locked;
    const daemon = spawnDaemon({ METRICS_ENABLED: "true", RADIUS_METRICS_PORT: "0" });
    try {
      const { authPort } = (await daemon.line("radius listening")) as { authPort: number };
      const { port: metricsPort } = (await daemon.line("metrics listening")) as { port: number };
      const readyz = async () => (await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).status;
      expect(await readyz()).toBe(503);
      const answered = radclient({
        port: authPort,
        type: "auth",
        secret,
        // A NAS's own schedule: a retransmission every 2 s, for up to 40 s.
        timeoutSeconds: 2,
        retries: 20,
        packets: [
          `NAS-Identifier = "${identifier}"\nUser-Name = "carol"\nUser-Password = "carol-password"\nMessage-Authenticator = 0x00`,
        ],
      });
      // The request (and the retransmissions) are held while the routes cannot load: not evaluated, not answered.
      const metrics = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      await expect.poll(metrics, { timeout: 10_000 }).toMatch(/proxpanel_radius_held_packets\{[^}]*\} [1-9]/);
      const body = await metrics();
      expect(body).toMatch(/proxpanel_radius_ready\{[^}]*\} 0/);
      expect(body).toMatch(/proxpanel_radius_requests_total\{type="access"[^}]*\} 0/);
      unblock();
      await blocker.end();
      await daemon.line("radius ready");
      const r = await answered;
      expect(r.replies[0]?.code, r.stdout + r.stderr).toBe("Access-Accept");
      await expect.poll(readyz, { timeout: 10_000 }).toBe(200);
    } finally {
      unblock();
      await blocker.end();
      await daemon.stop();
    }
  }, 90_000);

  afterAll(async () => {
    await stack?.close();
  });

  it("starts the database-backed daemon from the environment and answers radclient", async () => {
    const daemon = spawnDaemon();
    try {
      const { authPort } = (await daemon.line("radius listening")) as { authPort: number };
      const r = await radclient({
        port: authPort,
        type: "auth",
        secret,
        packets: [
          `NAS-Identifier = "${identifier}"\nUser-Name = "carol"\nUser-Password = "carol-password"\nMessage-Authenticator = 0x00`,
        ],
      });
      expect(r.replies[0]?.code).toBe("Access-Accept");
      expect(r.replies[0]?.attributes["Mikrotik-Rate-Limit"]).toEqual(["2000k/8000k"]);
    } finally {
      await daemon.stop();
    }
  });
});
