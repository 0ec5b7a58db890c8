import { migratePublic } from "@proxpanel/db/migrate/public";
import postgres from "postgres";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    standaloneDatabaseUrl: string;
  }
}

/**
 * The standalone project's own throw-away database. Its suites are the same files as the default
 * project's and run alongside them; in one database their fixed NAS addresses and names would
 * collide across the two runs. Runs after tests/global-setup.ts, whose server it reuses.
 */
export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_SERVER_URL ?? process.env.DATABASE_URL;
  if (!serverUrl) throw new Error("no PostgreSQL server: tests/global-setup.ts must run first");
  const name = `proxpanel_test_sa_${Date.now()}_${process.pid}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  await migratePublic(url.toString());
  project.provide("standaloneDatabaseUrl", url.toString());
  return async () => {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  };
}
