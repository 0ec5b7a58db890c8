import { Readable, type Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import zlib from "node:zlib";
import { ChunkOpener, headerAad, SealStream } from "./chunked-aead.ts";
import {
  type ArchiveHeader,
  type Compression,
  decodeHeader,
  encodeHeader,
  FORMAT_VERSION,
  MAX_HEADER_BYTES,
} from "./header.ts";
import { deriveArchiveKey, type KeyMaterial, keyId, newSalt } from "./keys.ts";

export const DEFAULT_CHUNK_SIZE = 64 * 1024;
/**
 * Brotli, quality 1 by default: on the benchmark fixture (binary COPY data) the backup takes 0.45x
 * `pg_dump -Fc`'s time for 0.96x its size. Quality 2 packs a third smaller and even decompresses
 * faster, but its backup took 0.53x; gzip -6 was 1.7x slower for a bigger file.
 */
export const DEFAULT_COMPRESSION: Compression = "brotli";

export interface SealOptions {
  keys: KeyMaterial;
  schemaVersion: number;
  compression?: Compression;
  /** zlib level (gzip) or quality (brotli); defaults chosen by the benchmark. */
  level?: number;
  chunkSize?: number;
  createdAt?: Date;
}

// Bigger buffers than zlib's 16 KiB default: fewer hops to the thread pool per megabyte, measured
// faster on the benchmark fixture.
const ZLIB_CHUNK = 256 * 1024;

function compressor(c: Compression, level: number | undefined): Transform {
  const common = { chunkSize: ZLIB_CHUNK, highWaterMark: ZLIB_CHUNK };
  if (c === "brotli") {
    return zlib.createBrotliCompress({ ...common, params: { [zlib.constants.BROTLI_PARAM_QUALITY]: level ?? 1 } });
  }
  return zlib.createGzip({ ...common, level: level ?? 6 });
}

function decompressor(c: Compression): Transform {
  const common = { chunkSize: ZLIB_CHUNK, highWaterMark: ZLIB_CHUNK };
  return c === "brotli" ? zlib.createBrotliDecompress(common) : zlib.createGunzip(common);
}

/**
 * The two stages that turn a plaintext body into a `.proisp.bak` stream (compress, then seal with the
 * header in front), for the caller's pipeline.
 */
export function sealArchive(opts: SealOptions): { header: ArchiveHeader; stages: [Transform, Transform] } {
  const salt = newSalt();
  const header: ArchiveHeader = {
    tenantId: opts.keys.tenantId,
    formatVersion: FORMAT_VERSION,
    schemaVersion: opts.schemaVersion,
    keyId: keyId(opts.keys),
    createdAt: opts.createdAt ?? new Date(),
    salt,
    compression: opts.compression ?? DEFAULT_COMPRESSION,
    chunkSize: opts.chunkSize ?? DEFAULT_CHUNK_SIZE,
  };
  const headerBytes = encodeHeader(header);
  const key = deriveArchiveKey(opts.keys, salt);
  const seal = new SealStream(key, headerAad(headerBytes), header.chunkSize, headerBytes);
  return { header, stages: [compressor(header.compression, opts.level), seal] };
}

interface SplitArchive {
  header: ArchiveHeader;
  headerBytes: Buffer;
  rest: AsyncIterator<Buffer>;
  leftover: Buffer;
}

async function splitHeader(source: AsyncIterable<Buffer>): Promise<SplitArchive> {
  const rest = source[Symbol.asyncIterator]();
  let buf = Buffer.alloc(0);
  for (;;) {
    const end = buf.indexOf("\n\n");
    if (end >= 0) {
      const headerBytes = buf.subarray(0, end + 2);
      return {
        header: decodeHeader(headerBytes.subarray(0, end).toString("utf8")),
        headerBytes,
        rest,
        leftover: buf.subarray(end + 2),
      };
    }
    if (buf.length > MAX_HEADER_BYTES) throw new Error("not a ProxPanel V2 backup (no header end)");
    const next = await rest.next();
    if (next.done) throw new Error("not a ProxPanel V2 backup (truncated header)");
    buf = Buffer.concat([buf, next.value]);
  }
}

/** Reads only the plaintext header; no key needed. Closes the source. */
export async function readArchiveHeader(source: Readable): Promise<ArchiveHeader> {
  try {
    return (await splitHeader(source)).header;
  } finally {
    source.destroy();
  }
}

export class WrongKeyError extends Error {
  override name = "WrongKeyError";
}

/**
 * Checks the header against the key material, then returns the decrypted, decompressed body as a
 * stream. Bytes come out only after their chunk authenticated; a cut-off or altered archive makes the
 * body stream fail (at the latest at its end), so callers commit nothing before the stream ended.
 */
export async function openArchive(
  source: Readable,
  keys: KeyMaterial,
): Promise<{ header: ArchiveHeader; body: Readable }> {
  let split: SplitArchive;
  try {
    split = await splitHeader(source);
  } catch (err) {
    source.destroy();
    throw err;
  }
  const { header, headerBytes, rest, leftover } = split;
  if (header.tenantId !== keys.tenantId) {
    source.destroy();
    throw new WrongKeyError(`archive belongs to tenant ${header.tenantId}, not to ${keys.tenantId}`);
  }
  if (header.keyId !== keyId(keys)) {
    source.destroy();
    throw new WrongKeyError("archive was sealed with a different key (key id mismatch)");
  }
  const opener = new ChunkOpener(deriveArchiveKey(keys, header.salt), headerAad(headerBytes), header.chunkSize);
  async function* plaintext(): AsyncGenerator<Buffer> {
    yield* opener.push(leftover);
    for (;;) {
      const next = await rest.next();
      if (next.done) break;
      yield* opener.push(next.value);
    }
    yield opener.finish();
  }
  const body = decompressor(header.compression);
  pipeline(Readable.from(plaintext(), { objectMode: false }), body).catch((err: unknown) => {
    body.destroy(err instanceof Error ? err : new Error(String(err)));
    source.destroy();
  });
  return { header, body };
}
