import type postgres from "postgres";

/**
 * The chunks of a `COPY ... TO STDOUT`, with backpressure to the socket.
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
    for await (const chunk of readable as AsyncIterable<Buffer>) yield chunk;
  } finally {
    readable._read(0);
  }
}
