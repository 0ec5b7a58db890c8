import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import tar from "tar-stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WrongKeyError } from "./archive.ts";
import { ChunkAuthError, TAG_BYTES } from "./chunked-aead.ts";
import { CONTENTS_ENTRY, MANIFEST_ENTRY } from "./contents.ts";
import { keyId } from "./keys.ts";
import { ArchiveContentError } from "./reader.ts";
import { LocalObjectStore } from "./store/local.ts";
import { assertObjectKey } from "./store/object-store.ts";
import { backupKey, TenantBackupStore } from "./store/tenant.ts";
import { addEntry, chunksOf } from "./tar.ts";
import { collect, headerLength, KEYS_A, KEYS_B, openBytes, sealBytes } from "./testing.ts";
import { verifyArchive } from "./verify.ts";

const CHUNK = 1024;
const SEALED = CHUNK + TAG_BYTES;
const data = Buffer.from(Array.from({ length: 20_000 }, (_, i) => `row ${i}\t${(i * 7919) % 1000}\n`).join(""));
let archive: Buffer;
let hlen: number;

beforeAll(async () => {
  // gzip level 0 stores the data uncompressed, so the body spans many chunks.
  archive = (await sealBytes(data, { keys: KEYS_A, chunkSize: CHUNK, compression: "gzip", level: 0 })).archive;
  hlen = headerLength(archive);
  expect(archive.length - hlen).toBeGreaterThan(10 * SEALED);
});

function chunkAt(i: number): Buffer {
  return archive.subarray(hlen + i * SEALED, hlen + (i + 1) * SEALED);
}
function withHeaderLine(name: string, value: string): Buffer {
  const text = archive
    .subarray(0, hlen)
    .toString("utf8")
    .replace(new RegExp(`^${name}=.*$`, "m"), `${name}=${value}`);
  return Buffer.concat([Buffer.from(text), archive.subarray(hlen)]);
}

describe("archive integrity", () => {
  it("opens untouched", async () => {
    expect((await openBytes(archive, KEYS_A)).equals(data)).toBe(true);
  });

  it("detects a flipped bit anywhere in the body", async () => {
    for (const offset of [hlen, hlen + SEALED + 5, archive.length - 1, archive.length - TAG_BYTES - 1]) {
      const bad = Buffer.from(archive);
      bad[offset] = (bad[offset] ?? 0) ^ 0x01;
      await expect(openBytes(bad, KEYS_A)).rejects.toBeInstanceOf(ChunkAuthError);
    }
  });

  it("detects edits to the authenticated header", async () => {
    await expect(openBytes(withHeaderLine("SCHEMA_VERSION", "2"), KEYS_A)).rejects.toBeInstanceOf(ChunkAuthError);
    await expect(openBytes(withHeaderLine("CREATED_AT", "2020-01-01T00:00:00.000Z"), KEYS_A)).rejects.toBeInstanceOf(
      ChunkAuthError,
    );
    await expect(openBytes(withHeaderLine("COMPRESSION", "brotli"), KEYS_A)).rejects.toBeInstanceOf(ChunkAuthError);
  });

  it("detects truncation at a chunk boundary, inside a chunk, and of the whole body", async () => {
    const body = archive.length - hlen;
    const lastBoundary = hlen + Math.floor((body - 1) / SEALED) * SEALED;
    for (const end of [lastBoundary, hlen + 3 * SEALED, hlen + 3 * SEALED + 100, archive.length - 1, hlen]) {
      await expect(openBytes(archive.subarray(0, end), KEYS_A)).rejects.toBeInstanceOf(ChunkAuthError);
    }
  });

  it("detects reordered, duplicated, dropped and appended chunks", async () => {
    const head = archive.subarray(0, hlen);
    const rest = archive.subarray(hlen + 4 * SEALED);
    const cases = [
      [chunkAt(1), chunkAt(0), chunkAt(2), chunkAt(3)], // swapped
      [chunkAt(0), chunkAt(0), chunkAt(2), chunkAt(3)], // duplicated
      [chunkAt(0), chunkAt(2), chunkAt(3)], // dropped
    ];
    for (const chunks of cases) {
      await expect(openBytes(Buffer.concat([head, ...chunks, rest]), KEYS_A)).rejects.toBeInstanceOf(ChunkAuthError);
    }
    await expect(openBytes(Buffer.concat([archive, chunkAt(0)]), KEYS_A)).rejects.toBeInstanceOf(ChunkAuthError);
  });

  it("refuses a wrong tenant secret, even with the right license key", async () => {
    const wrong = { ...KEYS_A, tenantSecret: "guessed" };
    await expect(openBytes(archive, wrong)).rejects.toBeInstanceOf(WrongKeyError);
    // With the key id forged to match the wrong key, decryption itself fails.
    await expect(openBytes(withHeaderLine("KEY_ID", keyId(wrong)), wrong)).rejects.toBeInstanceOf(ChunkAuthError);
  });

  it("never opens one tenant's archive with another tenant's key", async () => {
    await expect(openBytes(archive, KEYS_B)).rejects.toThrow(/belongs to tenant/);
    // Relabelled as tenant B's (tenant id and key id both rewritten): B's key still cannot open it.
    const relabelled = Buffer.from(
      archive
        .subarray(0, hlen)
        .toString("utf8")
        .replace(`TENANT_ID=${KEYS_A.tenantId}`, `TENANT_ID=${KEYS_B.tenantId}`)
        .replace(`KEY_ID=${keyId(KEYS_A)}`, `KEY_ID=${keyId(KEYS_B)}`),
    );
    await expect(openBytes(Buffer.concat([relabelled, archive.subarray(hlen)]), KEYS_B)).rejects.toBeInstanceOf(
      ChunkAuthError,
    );
  });

  it("never writes key material into the archive", async () => {
    const { archive: small } = await sealBytes(Buffer.from("payload"), { keys: KEYS_A });
    const header = small.subarray(0, headerLength(small)).toString("utf8");
    for (const secret of [KEYS_A.licenseKey, KEYS_A.tenantSecret]) {
      for (const form of [secret, Buffer.from(secret).toString("hex"), Buffer.from(secret).toString("base64")]) {
        expect(header).not.toContain(form);
        expect(small.includes(Buffer.from(form))).toBe(false);
      }
    }
    expect(header).not.toMatch(/LICENSE|SECRET|PASSWORD/i);
  });
});

describe("archive contents are input too", () => {
  async function sealTar(build: (pack: tar.Pack) => Promise<void>): Promise<Buffer> {
    const pack = tar.pack();
    const done = collect(chunksOf(pack));
    await build(pack);
    pack.finalize();
    return (await sealBytes(await done, { keys: KEYS_A })).archive;
  }
  const contents = Buffer.from(
    JSON.stringify({ format: 2, tenantId: KEYS_A.tenantId, sourceSchema: "tenant_x", schemaVersion: 1, tables: [] }),
  );

  it("refuses an upload path that climbs out of the uploads directory", async () => {
    for (const name of ["uploads/../../etc/cron.d/x", "uploads//etc/passwd", "uploads/a/./b", "uploads/a\\..\\b"]) {
      const bad = await sealTar(async (pack) => {
        await addEntry(pack, { name: CONTENTS_ENTRY, size: contents.length }, [contents]);
        await addEntry(pack, { name, size: 1 }, [Buffer.from("x")]);
      });
      await expect(verifyArchive(Readable.from([bad]), KEYS_A)).rejects.toBeInstanceOf(ArchiveContentError);
    }
  });

  it("refuses an archive without its manifest or with unknown entries", async () => {
    const noManifest = await sealTar(async (pack) => {
      await addEntry(pack, { name: CONTENTS_ENTRY, size: contents.length }, [contents]);
    });
    await expect(verifyArchive(Readable.from([noManifest]), KEYS_A)).rejects.toThrow(/no manifest/);
    const unknown = await sealTar(async (pack) => {
      await addEntry(pack, { name: CONTENTS_ENTRY, size: contents.length }, [contents]);
      await addEntry(pack, { name: MANIFEST_ENTRY.replace("manifest", "evil"), size: 2 }, [Buffer.from("{}")]);
    });
    await expect(verifyArchive(Readable.from([unknown]), KEYS_A)).rejects.toThrow(/unexpected entry/);
  });
});

describe("store keys", () => {
  let root: string;
  let store: LocalObjectStore;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), "proxpanel-store-"));
    store = new LocalObjectStore(path.join(root, "store"));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const hostile = [
    "../x.proisp.bak",
    "../../etc/passwd",
    "..%2fx.proisp.bak",
    "%2e%2e/x.proisp.bak",
    "%2e%2e%2fx.proisp.bak",
    "/etc/x.proisp.bak",
    "a/b.proisp.bak",
    "a\\..\\b.proisp.bak",
    `../tenant_${KEYS_B.tenantId}/b.proisp.bak`,
    `cloud_backups/tenant_${KEYS_B.tenantId}/b.proisp.bak`,
    "..proisp.bak",
    "x..proisp.bak",
    ".proisp.bak",
    ".hidden.proisp.bak",
    "x.proisp.bak\u0000.txt",
    "x.txt",
    "",
  ];

  it("builds keys only under cloud_backups/tenant_<id>/", () => {
    expect(backupKey(KEYS_A.tenantId, "backup-20250101T020000Z-abc123.proisp.bak")).toBe(
      `cloud_backups/tenant_${KEYS_A.tenantId}/backup-20250101T020000Z-abc123.proisp.bak`,
    );
    for (const name of hostile)
      expect(() => backupKey(KEYS_A.tenantId, name), name).toThrow(/invalid backup file name/);
    for (const id of ["", "../b", "a/b", "a/../b", "%2e%2e", ".", "a b"]) {
      expect(() => backupKey(id, "x.proisp.bak"), id).toThrow(/invalid tenant id/);
    }
  });

  it("refuses hostile names at every tenant store operation", async () => {
    const a = new TenantBackupStore(store, KEYS_A.tenantId);
    for (const name of hostile) {
      await expect(a.put(name, Readable.from([Buffer.from("x")]), 1), name).rejects.toThrow(/invalid backup file name/);
      await expect(a.get(name), name).rejects.toThrow(/invalid backup file name/);
      await expect(a.stat(name), name).rejects.toThrow(/invalid backup file name/);
      await expect(a.delete(name), name).rejects.toThrow(/invalid backup file name/);
    }
  });

  it("guards raw object keys too", () => {
    for (const key of ["../x", "a/../b", "a//b", "/a", "a/", ".", "a/./b", "a\\b", "a/%2e%2e", "..."]) {
      expect(() => assertObjectKey(key), key).toThrow();
    }
    expect(() => assertObjectKey("cloud_backups/tenant_x/")).toThrow();
    expect(() => assertObjectKey("cloud_backups/tenant_x/", { prefix: true })).not.toThrow();
  });

  it("lists only the tenant's own objects, even for a tenant id that is a prefix of another", async () => {
    const a = new TenantBackupStore(store, "acme");
    const ab = new TenantBackupStore(store, "acme_b");
    await a.put("one.proisp.bak", Readable.from([Buffer.from("A")]), 1);
    await ab.put("two.proisp.bak", Readable.from([Buffer.from("BB")]), 2);
    expect((await a.list()).map((b) => b.filename)).toEqual(["one.proisp.bak"]);
    expect((await ab.list()).map((b) => b.filename)).toEqual(["two.proisp.bak"]);
    await expect(a.get("two.proisp.bak")).rejects.toThrow(/no such backup object/);
    expect(await a.usedBytes()).toBe(1);
  });

  it("refuses an upload whose size is not what was announced", async () => {
    const a = new TenantBackupStore(store, "acme");
    await expect(a.put("short.proisp.bak", Readable.from([Buffer.from("abc")]), 10)).rejects.toThrow(/expected 10/);
    expect(await a.stat("short.proisp.bak")).toBeUndefined();
    await expect(a.put("long.proisp.bak", Readable.from([Buffer.from("abcdef")]), 2)).rejects.toThrow(/longer/);
    expect(await a.stat("long.proisp.bak")).toBeUndefined();
  });
});
