import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { openArchive, type SealOptions, sealArchive } from "./archive.ts";
import type { KeyMaterial } from "./keys.ts";

// Helpers shared by this package's tests.

export const KEYS_A: KeyMaterial = {
  licenseKey: "LIC-0000-1111-2222-3333",
  tenantId: "11111111-1111-4111-8111-111111111111",
  tenantSecret: "tenant-a-registry-secret-9f8e7d6c",
};
export const KEYS_B: KeyMaterial = {
  licenseKey: KEYS_A.licenseKey,
  tenantId: "22222222-2222-4222-8222-222222222222",
  tenantSecret: "tenant-b-registry-secret-1a2b3c4d",
};

export async function collect(source: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of source) parts.push(chunk);
  return Buffer.concat(parts);
}

export class BufferSink extends Writable {
  readonly parts: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.parts.push(chunk);
    cb();
  }
  get data(): Buffer {
    return Buffer.concat(this.parts);
  }
}

/** Seals bytes as an archive body (no tar inside: enough for the crypto layer). */
export async function sealBytes(data: Buffer, opts: Omit<SealOptions, "schemaVersion"> & { schemaVersion?: number }) {
  const { header, stages } = sealArchive({ schemaVersion: 1, ...opts });
  const sink = new BufferSink();
  await pipeline(Readable.from([data]), ...stages, sink);
  return { header, archive: sink.data };
}

export async function openBytes(archive: Buffer, keys: KeyMaterial): Promise<Buffer> {
  const { body } = await openArchive(Readable.from([archive]), keys);
  return collect(body as AsyncIterable<Buffer>);
}

export function headerLength(archive: Buffer): number {
  return archive.indexOf("\n\n") + 2;
}
