import { once } from "node:events";
import type { Pack } from "tar-stream";

type EntryHeader = Parameters<Pack["entry"]>[0];

/**
 * tar-stream's streams (streamx) are async-iterable at run time, but their types do not say so.
 * This also checks that only bytes come out.
 */
export async function* chunksOf(stream: object): AsyncGenerator<Buffer> {
  const iterate = (stream as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator];
  if (typeof iterate !== "function") throw new TypeError("stream is not async-iterable");
  for await (const chunk of { [Symbol.asyncIterator]: iterate.bind(stream) }) {
    if (!Buffer.isBuffer(chunk)) throw new TypeError("expected bytes from the tar stream");
    yield chunk;
  }
}

/**
 * Adds one entry and resolves once the pack took all of it. The pack only takes bytes as fast as the
 * pipeline behind it reads them, so awaiting this is what keeps memory flat.
 */
export function addEntry(
  pack: Pack,
  header: EntryHeader,
  chunks: Iterable<Buffer> | AsyncIterable<Buffer>,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const sink = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    (async () => {
      for await (const chunk of chunks) if (!sink.write(chunk)) await once(sink, "drain");
      sink.end(null); // streamx: end(data), null = nothing more
    })().catch((err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      sink.destroy(e);
      reject(e);
    });
  });
}

export function countNewlines(buf: Buffer): number {
  let n = 0;
  let i = buf.indexOf(10);
  while (i !== -1) {
    n++;
    i = buf.indexOf(10, i + 1);
  }
  return n;
}
