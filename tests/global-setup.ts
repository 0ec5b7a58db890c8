import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { migratePublic } from "@proxpanel/db/migrate/public";
import postgres from "postgres";

/** Starts the embedded server in a child process and returns its URL and a stop function. */
async function embeddedServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "packages/db/src/cli/embedded-server.ts", ".data/test-pg", "54339"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`embedded PostgreSQL exited with ${code}`)));
  });
  const { url } = JSON.parse(line) as { url: string };
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

/**
 * One throw-away database per test run on the configured server (DATABASE_URL), or on an embedded
 * PostgreSQL when none is configured. In CI the real services are mandatory: nothing may quietly
 * fall back and skip what the suite is meant to prove.
 */
export default async function setup() {
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

  return async () => {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
    await stopEmbedded?.();
  };
}
