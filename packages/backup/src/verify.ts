import type { Readable } from "node:stream";
import { openArchive } from "./archive.ts";
import type { Contents, Manifest } from "./contents.ts";
import type { ArchiveHeader } from "./header.ts";
import type { KeyMaterial } from "./keys.ts";
import { readContents } from "./reader.ts";

export interface VerifiedArchive {
  header: ArchiveHeader;
  contents: Contents;
  manifest: Manifest;
}

/**
 * Reads a whole archive without writing anything: every chunk authenticated, the body decompressed,
 * every table and upload checked against the manifest. Memory stays flat whatever the size.
 */
export async function verifyArchive(source: Readable, keys: KeyMaterial): Promise<VerifiedArchive> {
  const { header, body } = await openArchive(source, keys);
  try {
    return { header, ...(await readContents(body, header)) };
  } finally {
    body.destroy();
    source.destroy();
  }
}
