import http from "node:http";
import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { holdTableLock } from "../../../../../tests/table-lock.ts";

// Two API instances on one shared state (Redis in CI): a job runs on one, the other reports it.
let one: Stack;
let two: Stack;
let a: TestTenant;

beforeAll(async () => {
  [one, two] = await Promise.all([startStack(), startStack()]);
  a = await signupTenant(one);
});
afterAll(async () => {
  await Promise.all([one.close(), two.close()]);
});

interface SseEvent {
  event: string;
  data: string;
}

/** Opens an SSE stream and collects events until the server's `end` event (or `limitMs`). */
function readEvents(
  stack: Stack,
  path: string,
  t: TestTenant,
  onEvent?: (e: SseEvent) => void,
  limitMs = 20_000,
): Promise<{ status: number; contentType: string | undefined; events: SseEvent[] }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port: stack.port, path, headers: { host: t.host, authorization: `Bearer ${t.token}` } },
      (res) => {
        const events: SseEvent[] = [];
        let buf = "";
        const done = () => {
          clearTimeout(timer);
          res.destroy();
          resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], events });
        };
        const timer = setTimeout(done, limitMs);
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buf += chunk;
          for (let end = buf.indexOf("\n\n"); end >= 0; end = buf.indexOf("\n\n")) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            const e: SseEvent = { event: "message", data: "" };
            for (const line of block.split("\n")) {
              if (line.startsWith("event:")) e.event = line.slice(6).trim();
              else if (line.startsWith("data:")) e.data += line.slice(5).trim();
            }
            if (!e.data) continue;
            events.push(e);
            onEvent?.(e);
            if (e.event === "end") return done();
          }
        });
        res.on("end", done);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const progress = (events: SseEvent[]) =>
  events.filter((e) => e.event === "progress").map((e) => JSON.parse(e.data) as Record<string, unknown>);

describe("backup job progress across API instances", () => {
  it("a backup job started on one instance is reported by the other, by polling and by SSE", async () => {
    const started = await one.request("POST", "/api/backups/jobs", { host: a.host, token: a.token });
    expect(started.status).toBe(202);
    const id = started.body.job.id as string;
    expect(started.body.job).toMatchObject({ kind: "backup", status: "running" });

    const sse = await readEvents(two, `/api/backups/jobs/${id}/events`, a);
    expect(sse.status).toBe(200);
    expect(sse.contentType).toContain("text/event-stream");
    const seen = progress(sse.events);
    const last = seen.at(-1);
    expect(last).toMatchObject({ id, status: "succeeded", phase: "done" });
    expect(JSON.parse(sse.events.at(-1)?.data ?? "{}")).toEqual({ status: "succeeded" });

    const polled = await two.request("GET", `/api/backups/jobs/${id}`, { host: a.host, token: a.token });
    expect(polled.status).toBe(200);
    expect(polled.body.job).toMatchObject({ id, status: "succeeded", backupId: last?.backupId });
    const list = await two.request("GET", "/api/backups", { host: a.host, token: a.token });
    expect(list.body.items.map((b: { id: string }) => b.id)).toContain(last?.backupId);
  });

  it("streams a restore's phases live to the other instance while it runs", async () => {
    const t = await signupTenant(one);
    const backup = (await one.request("POST", "/api/backups", { host: t.host, token: t.token })).body.backup;
    const [row] = await one.runtime.deps.db
      .select({ schema: tenants.schemaName })
      .from(tenants)
      .where(eq(tenants.id, t.id));
    // Holds the restore at its swap (which drops the live tables) until the first progress event,
    // so the other instance sees it running and then every phase that follows.
    const lock = await holdTableLock(row?.schema ?? "", "users");
    try {
      const started = await one.request("POST", `/api/backups/${backup.id}/restore`, { host: t.host, token: t.token });
      expect(started.status).toBe(202);
      const id = started.body.job.id as string;

      let released = false;
      const sse = await readEvents(two, `/api/backups/restores/${id}/events`, t, (e) => {
        if (released || e.event !== "progress") return;
        const job = JSON.parse(e.data);
        expect(["queued", "running"]).toContain(job.status);
        released = true;
        void lock.release();
      });
      expect(released).toBe(true);
      const seen = progress(sse.events);
      expect(seen[0]).toMatchObject({ id, kind: "restore" });
      const phases = seen.map((j) => j.phase);
      expect(phases).toContain("load");
      expect(phases).toContain("migrate");
      expect(seen.some((j) => j.phase === "load" && j.table === "users")).toBe(true);
      expect(seen.at(-1)).toMatchObject({ status: "succeeded", phase: "done" });
    } finally {
      await lock.release();
    }
  });

  it("does not show a job to another tenant on either instance", async () => {
    const other = await signupTenant(one);
    const started = await one.request("POST", "/api/backups/jobs", { host: a.host, token: a.token });
    const id = started.body.job.id as string;
    for (const s of [one, two]) {
      expect((await s.request("GET", `/api/backups/jobs/${id}`, { host: other.host, token: other.token })).status).toBe(
        404,
      );
      expect((await readEvents(s, `/api/backups/jobs/${id}/events`, other)).status).toBe(404);
      // A backup job is not a restore job either.
      expect((await s.request("GET", `/api/backups/restores/${id}`, { host: a.host, token: a.token })).status).toBe(
        404,
      );
    }
  });
});
