import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { radclient, requireRadclient } from "@proxpanel/radius/testing/radclient";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, TEST_SECRETS, uniqueSlug } from "../../../tests/harness.ts";

describe("apps/radius main", () => {
  let stack: Stack;
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
  });

  afterAll(async () => {
    await stack?.close();
  });

  it("starts the database-backed daemon from the environment and answers radclient", async () => {
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", main], {
      env: {
        ...process.env,
        DATABASE_URL: process.env.TEST_DATABASE_URL,
        DATA_ENCRYPTION_KEY: TEST_SECRETS.DATA_ENCRYPTION_KEY,
        RADIUS_AUTH_PORT: "0",
        RADIUS_ACCT_PORT: "0",
        RADIUS_HOST: "127.0.0.1",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        if (!child.stdout) return reject(new Error("no stdout"));
        createInterface({ input: child.stdout }).once("line", resolve);
        child.once("exit", (code) => reject(new Error(`daemon exited with ${code}`)));
      });
      const { authPort } = JSON.parse(line) as { authPort: number };
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
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  });
});
