import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { migratePublic } from "@proxpanel/db/migrate/public";
import postgres from "postgres";

const RUN_PREFIX = "proxpanel-test-pg-";

/**
 * Starts a throw-away embedded server for this run: its own folder under the system's temporary
 * folder (which the postgres user can enter even when the clone is private) and a free port, so a
 * second `npm test` at the same time gets a server of its own. The child stops it when told to,
 * and on its own when this process dies (its stdin closes).
 */
async function embeddedServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  removeAbandonedRuns();
  const runDir = mkdtempSync(path.join(os.tmpdir(), `${RUN_PREFIX}${process.pid}-`));
  chmodSync(runDir, 0o755);
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "packages/db/src/cli/embedded-server.ts", path.join(runDir, "data"), "0"],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`embedded PostgreSQL exited with ${code} (its reason is above)`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    stop: async () => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
      rmSync(runDir, { recursive: true, force: true });
    },
  };
}

/** Folders of earlier runs whose process is gone (killed before its teardown), with any server left in them. */
function removeAbandonedRuns(): void {
  for (const name of readdirSync(os.tmpdir())) {
    const owner = Number(name.slice(RUN_PREFIX.length).split("-")[0]);
    if (!name.startsWith(RUN_PREFIX) || !(owner > 0) || alive(owner)) continue;
    const dir = path.join(os.tmpdir(), name);
    try {
      const pid = Number(readFileSync(path.join(dir, "data", "postmaster.pid"), "utf8").split("\n")[0]);
      if (pid > 0) process.kill(pid, "SIGQUIT");
    } catch {
      // no server was left running there
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === "EPERM";
  }
}

interface Shared {
  serverUrl: string;
  users: number;
  teardown: () => Promise<void>;
}
// More than one vitest project inherits this setup (`extends: true`); all run in this one process,
// so the first starts the server and creates the database and the others share them.
const KEY = Symbol.for("proxpanel.test.database");
const registry = globalThis as { [KEY]?: Promise<Shared> };

async function open(): Promise<Shared> {
  if (process.env.CI && (!process.env.DATABASE_URL || !process.env.REDIS_URL)) {
    throw new Error("CI must provide DATABASE_URL and REDIS_URL (real PostgreSQL and Redis).");
  }
  let serverUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!serverUrl) {
    const embedded = await embeddedServer();
    serverUrl = embedded.url;
    stopEmbedded = embedded.stop;
  }
  const name = `proxpanel_test_${Date.now()}_${process.pid}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  process.env.TEST_DATABASE_URL = url.toString();
  process.env.TEST_SERVER_URL = serverUrl;
  await migratePublic(url.toString());
  return {
    serverUrl,
    users: 0,
    teardown: async () => {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
      await stopEmbedded?.();
    },
  };
}

/**
 * One throw-away database per test run on the configured server (DATABASE_URL), or on an embedded
 * PostgreSQL when none is configured. In CI the real services are mandatory: nothing may quietly
 * fall back and skip what the suite is meant to prove.
 */
export default async function setup() {
  // Every suite's workers share the test database: none keeps spare tenant schemas built ahead
  // (the spare tests call the functions themselves). Set before the test processes are forked.
  process.env.TENANT_SPARE_SCHEMAS ??= "0";
  registry[KEY] ??= open();
  const shared = await registry[KEY];
  shared.users++;
  return async () => {
    if (--shared.users > 0) return;
    registry[KEY] = undefined;
    await shared.teardown();
  };
}
