import type { Writable } from "node:stream";
import { finished } from "node:stream/promises";
import type postgres from "postgres";
import { q, type TableSpec } from "./contents.ts";
import type { DetachedPlan } from "./defer.ts";
import type { ContentSink } from "./reader.ts";

/** Session settings for bulk work on a reserved connection; undone before it goes back to the pool. */
const BULK_SETTINGS = ["statement_timeout = 0", "maintenance_work_mem = '128MB'"];

export async function prepareLane(conn: postgres.ReservedSql): Promise<void> {
  for (const s of BULK_SETTINGS) await conn.unsafe(`set ${s}`);
}

export async function resetLane(conn: postgres.ReservedSql): Promise<void> {
  await conn.unsafe("reset statement_timeout; reset maintenance_work_mem").simple();
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
  /**
   * Deal a large table's rows to two COPY streams on two connections (PostgreSQL parses and inserts
   * in both at once). The rows then land in a different physical order than the archive's, which
   * matters only to a byte-for-byte `COPY TO` comparison such as the dry run's checksum.
   */
  split?: boolean;
}) {
  const { copyConn, staging, plan } = opts;
  const split = (opts.split ?? false) && opts.builders.length > 0;
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

  let copy: TableCopy | undefined;
  const open = async (conn: postgres.ReservedSql, t: TableSpec, borrowed: boolean): Promise<CopyStream> => {
    const stmt = `copy ${q(staging)}.${q(t.name)} (${t.columns.map(q).join(", ")}) from stdin`;
    return { conn, borrowed, stream: await conn.unsafe(stmt).writable() };
  };
  const endCopy = async (c: TableCopy) => {
    try {
      for (const s of c.streams) s.stream.end();
      await Promise.all(c.streams.map((s) => finished(s.stream)));
    } finally {
      for (const s of c.streams) if (s.borrowed) release(s.conn);
    }
  };
  const sink: Required<Pick<ContentSink, "tableData" | "tableEnd">> = {
    async tableData(t: TableSpec, data: Buffer) {
      if (!copy) {
        checkFailure();
        opts.onTable?.(t.name);
        copy = { name: t.name, streams: [await open(copyConn, t, false)], current: 0, sinceSwitch: 0 };
      }
      let chunk = data;
      if (split && copy.sinceSwitch >= SPLIT_BLOCK_BYTES) {
        // A raw newline always ends a row in COPY text format (data newlines are escaped as \n),
        // so the rows can be dealt to the streams in blocks, each split on a row boundary.
        const nl = chunk.indexOf(10);
        if (nl >= 0) {
          await write(copy.streams[copy.current], chunk.subarray(0, nl + 1));
          chunk = chunk.subarray(nl + 1);
          copy.current = (copy.current + 1) % COPY_STREAMS;
          copy.sinceSwitch = 0;
          if (!copy.streams[copy.current]) copy.streams.push(await open(await acquire(), t, true));
        }
      }
      if (chunk.length > 0) await write(copy.streams[copy.current], chunk);
      copy.sinceSwitch += chunk.length;
    },
    async tableEnd() {
      if (!copy) return;
      const ended = copy;
      copy = undefined;
      await endCopy(ended);
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
        const { streams } = copy;
        copy = undefined;
        for (const s of streams) s.stream.destroy(err instanceof Error ? err : new Error(String(err)));
        await Promise.all(streams.map((s) => finished(s.stream).catch(() => undefined)));
        for (const s of streams) if (s.borrowed) release(s.conn);
      }
      await drain();
    },
  };

  async function drain() {
    while (pending.size > 0) await Promise.all([...pending]);
  }
}

interface CopyStream {
  conn: postgres.ReservedSql;
  /** Taken from the builders for this table only. */
  borrowed: boolean;
  stream: Writable;
}

interface TableCopy {
  name: string;
  streams: CopyStream[];
  current: number;
  sinceSwitch: number;
}

/** Rows go to one stream in blocks of about this size before the next stream takes over. */
const SPLIT_BLOCK_BYTES = 256 * 1024;
const COPY_STREAMS = 2;

async function write(target: CopyStream | undefined, chunk: Buffer): Promise<void> {
  if (!target) throw new Error("no COPY stream");
  if (!target.stream.write(chunk)) await waitDrain(target.stream);
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
