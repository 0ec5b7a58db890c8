import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { radclient, requireRadclient } from "@proxpanel/radius/testing/radclient";
import { describe, expect, it } from "vitest";

describe("apps/radius main", () => {
  it("starts the daemon from the environment and answers radclient", async () => {
    requireRadclient();
    const main = fileURLToPath(new URL("./main.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", main], {
      env: { ...process.env, RADIUS_AUTH_PORT: "0", RADIUS_ACCT_PORT: "0", RADIUS_HOST: "127.0.0.1" },
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
        secret: "testing123",
        packets: ['User-Name = "demo"\nUser-Password = "demo-password"\nMessage-Authenticator = 0x00'],
      });
      expect(r.replies[0]?.code).toBe("Access-Accept");
      expect(r.replies[0]?.attributes["Mikrotik-Rate-Limit"]).toEqual(["10M/10M"]);
    } finally {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
  });
});
