import { migratePublic } from "@proxpanel/db";
import { startEmbeddedPostgres } from "@proxpanel/db/embedded";
import postgres from "postgres";

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
    const embedded = await startEmbeddedPostgres({ dir: ".data/test-pg", port: 54339, database: "postgres" });
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
