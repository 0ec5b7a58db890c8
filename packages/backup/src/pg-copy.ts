import type { Readable } from "node:stream";
import type postgres from "postgres";

/**
 * The data of a `COPY ... TO STDOUT`, with backpressure to the socket, in batches: PostgreSQL sends
 * one CopyData message per row, and handling 180,000 rows one ~300-byte chunk at a time through an
 * async iterator cost more CPU than the compression. Each batch is everything buffered so far
 * (`read()` without a size concatenates it), so nothing waits for a batch to fill.
 *
 * postgres.js 3.4.9 pauses its socket when a CopyData push fills the stream's buffer and resumes it
 * only from the stream's read hook. When CopyDone arrives in the same socket read, the stream ends
 * with the socket still paused and the next query on that connection never sees its answer
 * (porsager/postgres#499; fix proposed in #1016, unreleased). Calling the read hook once more after
 * the end resumes the socket; on a flowing socket it is a no-op.
 */
export async function* copyOut(tx: postgres.TransactionSql, query: string): AsyncGenerator<Buffer> {
  const readable = await tx.unsafe(query).readable();
  try {
    for (;;) {
      const batch: unknown = readable.read();
      if (batch !== null) {
        if (!Buffer.isBuffer(batch)) throw new TypeError("expected bytes from COPY");
        yield batch;
        continue;
      }
      if (!(await more(readable))) return;
    }
  } finally {
    readable._read(0);
  }
}

/** Waits until the stream has data (true) or has ended (false); rejects on its error. */
function more(readable: Readable): Promise<boolean> {
  if (readable.readableEnded) return Promise.resolve(false);
  if (readable.errored) return Promise.reject(readable.errored);
  return new Promise((resolve, reject) => {
    const done = (v: boolean, err?: Error) => {
      readable.off("readable", onReadable);
      readable.off("end", onEnd);
      readable.off("error", onError);
      readable.off("close", onEnd);
      if (err) reject(err);
      else resolve(v);
    };
    const onReadable = () => done(true);
    const onEnd = () => done(false);
    const onError = (err: Error) => done(false, err);
    readable.on("readable", onReadable);
    readable.on("end", onEnd);
    readable.on("error", onError);
    readable.on("close", onEnd);
  });
}
