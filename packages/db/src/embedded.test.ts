import { spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readlinkSync,
  rmSync,
  type Stats,
  writeFileSync,
} from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { permits, reachable } from "./embedded-place.ts";

const CLI = "packages/db/src/cli/embedded-server.ts";
const scratch = mkdtempSync(path.join(os.tmpdir(), "proxpanel-embedded-test-"));
chmodSync(scratch, 0o755);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Runs the embedded server's CLI; resolves with its exit code and output (stopping it once it is up). */
function runCli(dir: string, port: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", CLI, dir, String(port)], { stdio: "pipe" });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
      if (stdout.includes("\n")) child.kill("SIGTERM");
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const who = { uid: 1000, gid: 1000, groups: [1000, 27] };
const st = (mode: number, uid: number, gid: number, dir = true) =>
  ({ mode, uid, gid, isDirectory: () => dir }) as unknown as Stats;

describe("who may enter a folder", () => {
  it("reads the owner, group and other bits for the right user", () => {
    expect(permits(st(0o700, 1000, 0), who, 1)).toBe(true);
    expect(permits(st(0o700, 0, 0), who, 1)).toBe(false);
    expect(permits(st(0o750, 0, 27), who, 1)).toBe(true);
    expect(permits(st(0o705, 0, 0), who, 1)).toBe(true);
    expect(permits(st(0o744, 0, 0), who, 1)).toBe(false);
  });

  it("needs every folder above the target to be enterable", () => {
    const tree: Record<string, Stats> = {
      "/": st(0o755, 0, 0),
      "/root": st(0o700, 0, 0),
      "/root/clone": st(0o755, 0, 0),
      "/srv": st(0o755, 0, 0),
      "/srv/clone": st(0o755, 1000, 1000),
    };
    const stat = (p: string) => tree[p];
    expect(reachable("/root/clone/node_modules", who, stat)).toBe(false);
    expect(reachable("/srv/clone/node_modules", who, stat)).toBe(true);
  });
});

describe("embedded PostgreSQL start-up failures are one line", () => {
  it("refuses a data folder made by another PostgreSQL major", async () => {
    const dir = path.join(scratch, "newer");
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "PG_VERSION"), "99\n");
    const r = await runCli(dir, 0);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([
      expect.stringMatching(/^proxpanel: the data folder .* was made by PostgreSQL 99 .*move it away/),
    ]);
  });

  it("names the port in use and the setting to change", async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const { port } = holder.address() as net.AddressInfo;
    try {
      const r = await runCli(path.join(scratch, "port"), port);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toEqual([
        expect.stringMatching(new RegExp(`^proxpanel: port ${port} .* is in use: .*EMBEDDED_PG_PORT`)),
      ]);
    } finally {
      holder.close();
    }
  });

  it("starts from a folder only its owner can enter (as root, the data is kept where postgres can reach it)", async () => {
    const privateTop = mkdtempSync(path.join(scratch, "private-"));
    const dir = path.join(privateTop, "clone", ".data", "pg");
    const r = await runCli(dir, 0);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const started = JSON.parse(r.stdout) as { url: string; dataDir: string };
    expect(started.url).toMatch(/^postgres:\/\/postgres:postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(existsSync(path.join(started.dataDir, "PG_VERSION"))).toBe(true);
    if (lstatSync(dir).isSymbolicLink()) {
      // Root: the clone keeps a link to the real folder; remove what this test made there.
      expect(readlinkSync(dir)).toBe(started.dataDir);
      rmSync(started.dataDir, { recursive: true, force: true });
    } else {
      expect(started.dataDir).toBe(dir);
    }
  });
});
