import { jobIsOpen } from "@proxpanel/backup";
import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack } from "../../../../../tests/harness.ts";
import { holdTableLock } from "../../../../../tests/table-lock.ts";
import { getRestoreJob } from "./backups-restore.ts";

let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ RESTORE_CONCURRENCY: "1" });
});
afterAll(() => stack.close());

const job = (tenantId: string, id: string) => getRestoreJob(stack.runtime.deps, tenantId, id);

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("restores on one instance take turns", () => {
  it("a second tenant's restore waits, queued, while the first holds the only slot, then runs", async () => {
    const [a, b] = [await signupTenant(stack), await signupTenant(stack)];
    const backupOf = async (t: typeof a) =>
      (await stack.request("POST", "/api/backups", { host: t.host, token: t.token })).body.backup.id as string;
    const [backupA, backupB] = [await backupOf(a), await backupOf(b)];
    const [rowA] = await stack.runtime.deps.db
      .select({ schema: tenants.schemaName })
      .from(tenants)
      .where(eq(tenants.id, a.id));

    // A reader on tenant A's table keeps A's restore from swapping in until it lets go.
    const lock = await holdTableLock(rowA?.schema ?? "", "users");
    try {
      const startA = await stack.request("POST", `/api/backups/${backupA}/restore`, { host: a.host, token: a.token });
      expect(startA.status).toBe(202);
      const jobA = startA.body.job.id as string;
      // A is past its queue and loading (or waiting at the swap) before B asks.
      expect(
        (
          await until(
            () => job(a.id, jobA),
            (j) => j.phase === "migrate",
          )
        ).phase,
      ).toBe("migrate");

      const startB = await stack.request("POST", `/api/backups/${backupB}/restore`, { host: b.host, token: b.token });
      expect(startB.status).toBe(202);
      const jobB = startB.body.job.id as string;
      await new Promise((r) => setTimeout(r, 500));
      expect(await job(b.id, jobB)).toMatchObject({ status: "queued", phase: "queued" });
      expect(await job(a.id, jobA)).toMatchObject({ status: "running", phase: "migrate" });

      await lock.release();
      const doneA = await until(
        () => job(a.id, jobA),
        (j) => !jobIsOpen(j.status),
      );
      const doneB = await until(
        () => job(b.id, jobB),
        (j) => !jobIsOpen(j.status),
      );
      expect(doneA).toMatchObject({ status: "succeeded", phase: "done" });
      expect(doneB).toMatchObject({ status: "succeeded", phase: "done" });
      // B started only after A had finished.
      expect(Date.parse(doneB.finishedAt ?? "") >= Date.parse(doneA.finishedAt ?? "")).toBe(true);
    } finally {
      await lock.release();
    }
  });
});
