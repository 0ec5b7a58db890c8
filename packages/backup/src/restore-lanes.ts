import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import type postgres from "postgres";
import type { TableSpec } from "./contents.ts";
import { type CopyFormat, copyInSql } from "./copy-format.ts";
import type { DetachedPlan } from "./defer.ts";
import type { ContentSink } from "./reader.ts";

/**
 * Session settings for bulk work on a reserved connection; undone before it goes back to the pool.
 * No parallel workers for index builds: the restore already builds several indexes at once on its
 * own connections, and on 2 cores the extra worker processes only competed with them (restore
 * median 0.91 s → 0.86 s, alternating runs on the benchmark archive).
 */
const BULK_SETTINGS: Record<string, string> = {
  statement_timeout: "0",
  maintenance_work_mem: "'128MB'",
  max_parallel_maintenance_workers: "0",
};

export async function prepareLane(conn: postgres.ReservedSql): Promise<void> {
  const sets = Object.entries(BULK_SETTINGS).map(([k, v]) => `set ${k} = ${v}`);
  await conn.unsafe(sets.join("; ")).simple();
}

export async function resetLane(conn: postgres.ReservedSql): Promise<void> {
  await conn
    .unsafe(
      Object.keys(BULK_SETTINGS)
        .map((k) => `reset ${k}`)
        .join("; "),
    )
    .simple();
}

/**
 * Loads a sequential archive into a staging schema over several connections: every table's COPY
 * runs on `copyConn` in archive order (the stream can only be read once, front to back), and as soon
 * as a table is complete its index builds are handed to the `builders`, one statement per free
 * connection, while the next table is still being copied. Keys are attached once all of a table's
 * indexes exist; foreign keys at the very end (`finish`). Each statement commits on its own: this is
 * a staging schema nobody else reads, and the swap into place is what makes the restore atomic.
 */
export function parallelLoader(opts: {
  copyConn: postgres.ReservedSql;
  builders: postgres.ReservedSql[];
  staging: string;
  plan: DetachedPlan;
  onTable?: (table: string) => void;
}) {
  const { copyConn, staging, plan } = opts;
  const idle = opts.builders.length > 0 ? [...opts.builders] : [copyConn];
  const waiting: ((c: postgres.ReservedSql) => void)[] = [];
  const pending = new Set<Promise<void>>();
  let failure: unknown;

  const acquire = () =>
    new Promise<postgres.ReservedSql>((resolve) => {
      const c = idle.pop();
      if (c) resolve(c);
      else waiting.push(resolve);
    });
  const release = (c: postgres.ReservedSql) => {
    const next = waiting.shift();
    if (next) next(c);
    else idle.push(c);
  };
  const run = (stmts: string[]): Promise<void> =>
    Promise.all(
      stmts.map(async (s) => {
        const c = await acquire();
        try {
          if (failure === undefined) await c.unsafe(s);
        } finally {
          release(c);
        }
      }),
    ).then(() => undefined);
  const track = (p: Promise<void>) => {
    const t = p.catch((err: unknown) => {
      failure ??= err;
    });
    pending.add(t);
    void t.finally(() => pending.delete(t));
  };
  const checkFailure = () => {
    if (failure !== undefined) throw failure;
  };

  let copy: { name: string; stream: Writable } | undefined;
  const sink: Required<Pick<ContentSink, "tableData" | "tableEnd">> = {
    async tableData(t: TableSpec, data: Buffer, format: CopyFormat) {
      if (!copy) {
        checkFailure();
        opts.onTable?.(t.name);
        copy = { name: t.name, stream: await copyConn.unsafe(copyInSql(staging, t, format)).writable() };
      }
      if (!copy.stream.write(data)) await waitDrain(copy.stream);
    },
    async tableEnd() {
      if (!copy) return;
      const ended = copy;
      copy = undefined;
      ended.stream.end();
      await finished(ended.stream);
      // Without builder connections the indexes wait for `finish`: no statement may be queued
      // on a connection that is in COPY mode.
      if (opts.builders.length > 0) build(ended.name);
    },
  };
  const built = new Set<string>();
  const build = (table: string) => {
    built.add(table);
    track(run(plan.indexes.get(table) ?? []).then(() => run(plan.keys.get(table) ?? [])));
  };

  return {
    sink,
    /** Tables that had no rows (no COPY) still need their indexes and keys; then the foreign keys. */
    async finish() {
      // The archive is read: the COPY connection joins the builders for the last index builds.
      if (opts.builders.length > 0) release(copyConn);
      for (const table of new Set([...plan.indexes.keys(), ...plan.keys.keys()])) {
        if (!built.has(table)) build(table);
      }
      await drain();
      checkFailure();
      // One at a time: adding a foreign key locks the referenced table against other such adds.
      for (const fk of plan.foreignKeys) await copyConn.unsafe(fk);
    },
    /** Stops a COPY in flight and waits for every builder, so the connections are quiet again. */
    async abort(err: unknown) {
      failure ??= err;
      if (copy) {
        const { stream } = copy;
        copy = undefined;
        stream.destroy(err instanceof Error ? err : new Error(String(err)));
        await finished(stream).catch(() => undefined);
      }
      await drain();
    },
  };

  async function drain() {
    while (pending.size > 0) await Promise.all([...pending]);
  }
}

/** Resolves when a COPY stream wants more data; rejects if it errors or closes first. */
export function waitDrain(stream: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onClose = () => settle(new Error("COPY stream closed"));
    const settle = (err?: Error) => {
      stream.off("drain", settle);
      stream.off("error", settle);
      stream.off("close", onClose);
      if (err) reject(err);
      else resolve();
    };
    stream.on("drain", settle);
    stream.on("error", settle);
    stream.on("close", onClose);
  });
}
