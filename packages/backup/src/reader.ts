import { createHash } from "node:crypto";
import { once } from "node:events";
import type { Readable } from "node:stream";
import tar from "tar-stream";
import {
  CONTENTS_ENTRY,
  type Contents,
  contentsSchema,
  isSafeRelativePath,
  MANIFEST_ENTRY,
  type Manifest,
  manifestSchema,
  parsePieceName,
  type TableSpec,
  UPLOADS_PREFIX,
} from "./contents.ts";
import { type CopyFormat, CopyFormatError, CopyTally } from "./copy-format.ts";
import type { ArchiveHeader } from "./header.ts";
import { chunksOf } from "./tar.ts";

/** What a restore does with the contents; the verifier passes none of these and only checks. */
export interface ContentSink {
  /** `format`: how the archive encodes its rows, for the `COPY ... FROM STDIN` that loads them. */
  tableData?(table: TableSpec, chunk: Buffer, format: CopyFormat): Promise<void>;
  tableEnd?(table: TableSpec): Promise<void>;
  /** Must consume `chunks` (or leave them: the reader drains what is left). */
  upload?(relPath: string, chunks: AsyncIterable<Buffer>): Promise<void>;
}

export class ArchiveContentError extends Error {
  override name = "ArchiveContentError";
}

const MAX_JSON_BYTES = 64 * 1024 * 1024;

interface TableTally {
  spec: TableSpec;
  format: CopyFormat;
  data: CopyTally;
  nextSeq: number;
}

/**
 * Walks the inner tar of an opened archive in the one order a backup writes it, checking every table
 * piece and upload against the trailing manifest. Throws on anything out of place; resolves only
 * when the whole archive was read and matched.
 */
export async function readContents(
  body: Readable,
  header: ArchiveHeader,
  sink: ContentSink = {},
): Promise<{ contents: Contents; manifest: Manifest }> {
  const extract = tar.extract();
  (async () => {
    for await (const chunk of body as AsyncIterable<Buffer>) if (!extract.write(chunk)) await once(extract, "drain");
    extract.end(null); // streamx: end(data), null = nothing more
  })().catch((err: unknown) => extract.destroy(err instanceof Error ? err : new Error(String(err))));

  let contents: Contents | undefined;
  let manifest: Manifest | undefined;
  const tallies: TableTally[] = [];
  let current: TableTally | undefined;
  const uploads: Manifest["uploads"] = [];
  const endTable = async () => {
    if (current) await sink.tableEnd?.(current.spec);
    current = undefined;
  };

  for await (const entry of extract) {
    const name = entry.header.name;
    if (entry.header.type !== "file") throw new ArchiveContentError(`unexpected tar entry type for ${name}`);
    if (manifest) throw new ArchiveContentError("archive has entries after its manifest");

    if (!contents) {
      if (name !== CONTENTS_ENTRY) throw new ArchiveContentError("archive does not start with its contents list");
      contents = contentsSchema.parse(JSON.parse((await readAll(chunksOf(entry))).toString("utf8")));
      if (contents.schemaVersion !== header.schemaVersion || contents.tenantId !== header.tenantId) {
        throw new ArchiveContentError("archive contents disagree with its header");
      }
      const format = contents.copyFormat ?? "text";
      for (const spec of contents.tables) tallies.push({ spec, format, data: new CopyTally(format), nextSeq: 0 });
      continue;
    }

    const piece = parsePieceName(name);
    if (piece) {
      if (uploads.length > 0) throw new ArchiveContentError("table data after uploads");
      // Pieces come table by table in contents order; an empty table simply has none.
      const from = current ? tallies.indexOf(current) : 0;
      const idx = tallies.findIndex((t, i) => i >= from && t.spec.name === piece.table);
      const tally = tallies[idx];
      if (!tally) throw new ArchiveContentError(`table data out of order or unknown: ${name}`);
      if (tally !== current) await endTable();
      current = tally;
      if (piece.seq !== tally.nextSeq++) throw new ArchiveContentError(`table piece out of order: ${name}`);
      for await (const chunk of chunksOf(entry)) {
        try {
          tally.data.add(chunk);
        } catch (err) {
          if (err instanceof CopyFormatError) throw new ArchiveContentError(`data of ${piece.table}: ${err.message}`);
          throw err;
        }
        await sink.tableData?.(tally.spec, chunk, tally.format);
      }
      continue;
    }
    await endTable();

    if (name.startsWith(UPLOADS_PREFIX)) {
      const rel = name.slice(UPLOADS_PREFIX.length);
      if (!isSafeRelativePath(rel))
        throw new ArchiveContentError(`unsafe upload path in archive: ${JSON.stringify(rel)}`);
      const hash = createHash("sha256");
      let bytes = 0;
      const it = chunksOf(entry);
      const hashed: AsyncIterable<Buffer> = {
        [Symbol.asyncIterator]: () => ({
          next: async () => {
            const r = await it.next();
            if (!r.done) {
              hash.update(r.value);
              bytes += r.value.length;
            }
            return r;
          },
        }),
      };
      if (sink.upload) await sink.upload(rel, hashed);
      for await (const _ of hashed); // whatever the sink left
      uploads.push({ path: rel, bytes, sha256: hash.digest("hex") });
      continue;
    }

    if (name === MANIFEST_ENTRY) {
      manifest = manifestSchema.parse(JSON.parse((await readAll(chunksOf(entry))).toString("utf8")));
      continue;
    }
    throw new ArchiveContentError(`unexpected entry in archive: ${name}`);
  }
  await endTable();

  if (!contents || !manifest) throw new ArchiveContentError("archive is incomplete (no manifest)");
  checkAgainstManifest(contents, manifest, header, tallies, uploads);
  return { contents, manifest };
}

function checkAgainstManifest(
  contents: Contents,
  manifest: Manifest,
  header: ArchiveHeader,
  tallies: TableTally[],
  uploads: Manifest["uploads"],
): void {
  const fail = (what: string) => {
    throw new ArchiveContentError(`archive does not match its manifest: ${what}`);
  };
  if (manifest.schemaVersion !== header.schemaVersion || manifest.tenantId !== header.tenantId) fail("header");
  if (manifest.tables.length !== tallies.length) fail("table list");
  manifest.tables.forEach((m, i) => {
    const t = tallies[i];
    if (!t || t.spec.name !== m.name || t.spec.columns.join(",") !== m.columns.join(",")) fail(`table ${m.name}`);
    else {
      let got: ReturnType<CopyTally["result"]> | undefined;
      try {
        got = t.data.result();
      } catch (err) {
        if (!(err instanceof CopyFormatError)) throw err;
      }
      if (!got || got.rows !== m.rows || got.bytes !== m.bytes || got.sha256 !== m.sha256) fail(`data of ${m.name}`);
    }
  });
  if (contents.sourceSchema !== manifest.sourceSchema) fail("source schema");
  if (JSON.stringify(uploads) !== JSON.stringify(manifest.uploads)) fail("uploads");
}

async function readAll(entry: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  let len = 0;
  for await (const chunk of entry) {
    len += chunk.length;
    if (len > MAX_JSON_BYTES) throw new ArchiveContentError("archive metadata entry too large");
    parts.push(chunk);
  }
  return Buffer.concat(parts, len);
}
