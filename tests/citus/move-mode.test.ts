// Runs only in the citus project: which copy mode a tenant move picks, on a database of its own whose
// workers are switched to asynchronous commit. A logical move (`auto`) waits for the target to apply
// the source's WAL up to what is *written*; an asynchronous commit can be acknowledged before its
// record is, and such a write was lost in about every other move under load (tenant-move.test.ts
// caught it). So with synchronous_commit = off on a worker the default is block_writes, and a
// logical mode asked for by name is refused with a message naming the setting.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { connect } from "@proxpanel/db";
import { chooseMode } from "@proxpanel/tenancy/placement";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueSlug } from "../harness.ts";

const run = promisify(execFile);
const name = `proxpanel_test_mode_${uniqueSlug("m").replace(/[^a-z0-9_]/g, "_")}`;
let url: string;
let workers: number[];

const cluster = async (...args: string[]) =>
  (await run("bash", ["infra/citus/cluster.sh", ...args], { maxBuffer: 1 << 20 })).stdout.trim();

/** Sets the database's synchronous_commit on every worker (new sessions see it). */
async function workerCommit(value: "on" | "off"): Promise<void> {
  for (const port of workers) {
    const w = postgres({ host: "127.0.0.1", port, user: "postgres", database: name, max: 1, onnotice: () => {} });
    // Citus refuses database DDL on a worker unless it is told not to propagate it.
    await w.unsafe(
      `set citus.enable_ddl_propagation = off; alter database "${name}" set synchronous_commit = ${value}`,
    );
    await w.end();
  }
}

/** A fresh coordinator session each time: Citus keeps its worker connections per session. */
async function withDb<T>(fn: (db: ReturnType<typeof connect>["db"]) => Promise<T>): Promise<T> {
  const d = connect(url, { max: 1, fetchTypes: false });
  try {
    return await fn(d.db);
  } finally {
    await d.close();
  }
}

beforeAll(async () => {
  url = await cluster("database", name);
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  workers = (await admin<{ port: number }[]>`select nodeport as port from pg_dist_node where groupid <> 0`).map(
    (r) => r.port,
  );
  await admin.unsafe("set citus.enable_schema_based_sharding = on");
  await admin.unsafe("create schema moved; create table moved.t (id int primary key, v text)");
  await admin.end();
}, 120_000);

afterAll(async () => {
  if (url) await cluster("drop-database", name);
});

describe("the copy mode of a tenant move", () => {
  it("is auto where every worker commits synchronously and every table has a key", async () => {
    expect(workers.length).toBeGreaterThanOrEqual(2);
    await workerCommit("on");
    await withDb(async (db) => {
      expect(await chooseMode(db, "moved", undefined)).toBe("auto");
      expect(await chooseMode(db, "moved", "force_logical")).toBe("force_logical");
    });
  });

  it("falls back to block_writes with synchronous_commit = off on a worker, and refuses a logical mode by name", async () => {
    await workerCommit("off");
    try {
      await withDb(async (db) => {
        expect(await chooseMode(db, "moved", undefined)).toBe("block_writes");
        expect(await chooseMode(db, "moved", "block_writes")).toBe("block_writes");
        for (const mode of ["auto", "force_logical"] as const) {
          await expect(chooseMode(db, "moved", mode)).rejects.toMatchObject({
            code: "invalid_state",
            message: expect.stringMatching(/^mode: .*synchronous_commit = off/),
          });
        }
      });
    } finally {
      await workerCommit("on");
    }
  });
});
