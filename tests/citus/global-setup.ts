import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { migratePublic } from "@proxpanel/db/migrate/public";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    citusDatabaseUrl: string;
  }
}

const run = promisify(execFile);
const SCRIPT = "infra/citus/cluster.sh";

async function cluster(...args: string[]): Promise<string> {
  // stderr is the script's progress (the build says what it is doing for minutes); shown as it comes.
  const child = run("bash", [SCRIPT, ...args], { maxBuffer: 1 << 20, timeout: 30 * 60_000 });
  child.child.stderr?.pipe(process.stderr);
  return (await child).stdout.trim();
}

async function running(): Promise<boolean> {
  try {
    await run("bash", [SCRIPT, "status"]);
    return true;
  } catch {
    return false;
  }
}

/**
 * The citus project's database: the local 3-node cluster (infra/citus/cluster.sh builds Citus once
 * per machine, then starts a coordinator and two workers) and a throw-away database on it, created
 * on every node and wired as a cluster of its own, with the registry migrated. The project's setup
 * file points TEST_DATABASE_URL at it, so the named suites run unchanged against the coordinator.
 * A cluster that was already running (someone trying it, a bench) is left running afterwards.
 */
export default async function setup(project: TestProject) {
  await cluster("build");
  const wasRunning = await running();
  await cluster("start");
  const name = `proxpanel_test_citus_${Date.now()}_${process.pid}`;
  const url = await cluster("database", name);
  await migratePublic(url);
  project.provide("citusDatabaseUrl", url);
  return async () => {
    await cluster("drop-database", name);
    if (!wasRunning) await cluster("stop");
  };
}
