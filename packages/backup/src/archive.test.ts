import { randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { readArchiveHeader } from "./archive.ts";
import { TAG_BYTES } from "./chunked-aead.ts";
import { decodeHeader, encodeHeader, MAGIC } from "./header.ts";
import { deriveArchiveKey, keyId, newSalt } from "./keys.ts";
import { headerLength, KEYS_A, KEYS_B, openBytes, sealBytes } from "./testing.ts";

const CHUNK = 1024;

describe("V2 archive layer", () => {
  it.each([0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 5 * CHUNK, 7 * CHUNK + 13])(
    "round-trips %i bytes through compression and chunked encryption",
    async (n) => {
      const data = randomBytes(n);
      for (const compression of ["gzip", "brotli"] as const) {
        const { archive } = await sealBytes(data, { keys: KEYS_A, chunkSize: CHUNK, compression });
        expect((await openBytes(archive, KEYS_A)).equals(data)).toBe(true);
      }
    },
  );

  it("writes the documented plaintext header", async () => {
    const createdAt = new Date("2025-03-01T02:00:00.000Z");
    const { archive, header } = await sealBytes(Buffer.from("x"), { keys: KEYS_A, createdAt, schemaVersion: 7 });
    const text = archive.subarray(0, headerLength(archive)).toString("utf8");
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toBe(MAGIC);
    expect(lines[1]).toBe(`TENANT_ID=${KEYS_A.tenantId}`);
    expect(lines).toContain("FORMAT_VERSION=2");
    expect(lines).toContain("SCHEMA_VERSION=7");
    expect(lines).toContain(`KEY_ID=${keyId(KEYS_A)}`);
    expect(lines).toContain("CREATED_AT=2025-03-01T02:00:00.000Z");
    expect(lines).toContain(`SALT=${header.salt.toString("hex")}`);
    const read = await readArchiveHeader(Readable.from([archive]));
    expect(read).toEqual(header);
  });

  it("uses a fresh salt, so the same data under the same key never gives the same bytes", async () => {
    const data = Buffer.alloc(4000, 7);
    const one = await sealBytes(data, { keys: KEYS_A });
    const two = await sealBytes(data, { keys: KEYS_A });
    expect(one.header.salt.equals(two.header.salt)).toBe(false);
    expect(
      one.archive.subarray(headerLength(one.archive)).equals(two.archive.subarray(headerLength(two.archive))),
    ).toBe(false);
  });

  it("derives different keys per tenant and per salt; the key id is per tenant key", () => {
    const salt = newSalt();
    expect(deriveArchiveKey(KEYS_A, salt).equals(deriveArchiveKey(KEYS_B, salt))).toBe(false);
    expect(deriveArchiveKey(KEYS_A, salt).equals(deriveArchiveKey(KEYS_A, newSalt()))).toBe(false);
    expect(keyId(KEYS_A)).toBe(keyId({ ...KEYS_A }));
    expect(keyId(KEYS_A)).not.toBe(keyId(KEYS_B));
    // Concatenation ambiguity ("ab"+"c" vs "a"+"bc") does not produce the same key.
    const a = { licenseKey: "ab", tenantId: "c", tenantSecret: "s" };
    const b = { licenseKey: "a", tenantId: "bc", tenantSecret: "s" };
    expect(deriveArchiveKey(a, salt).equals(deriveArchiveKey(b, salt))).toBe(false);
  });

  it("each sealed chunk is exactly chunk size + tag, the last one shorter or equal", async () => {
    const { archive } = await sealBytes(randomBytes(10 * CHUNK), {
      keys: KEYS_A,
      chunkSize: CHUNK,
      compression: "gzip",
      level: 0,
    });
    const body = archive.length - headerLength(archive);
    const full = Math.floor((body - 1) / (CHUNK + TAG_BYTES));
    expect(body - full * (CHUNK + TAG_BYTES)).toBeGreaterThanOrEqual(TAG_BYTES);
    expect(body - full * (CHUNK + TAG_BYTES)).toBeLessThanOrEqual(CHUNK + TAG_BYTES);
  });

  it("parses headers strictly", () => {
    const good = encodeHeader({
      tenantId: "t1",
      formatVersion: 2,
      schemaVersion: 1,
      keyId: "0".repeat(32),
      createdAt: new Date(0),
      salt: Buffer.alloc(32),
      compression: "gzip",
      chunkSize: 65536,
    })
      .toString("utf8")
      .trimEnd();
    expect(decodeHeader(good).tenantId).toBe("t1");
    expect(() => decodeHeader(good.replace(MAGIC, "PROXPANEL_ENCRYPTED_BACKUP_V1"))).toThrow(/magic/);
    expect(() => decodeHeader(`${good}\nLICENSE_KEY=abc`)).toThrow(/unknown/);
    expect(() => decodeHeader(`${good}\nTENANT_ID=t2`)).toThrow(/duplicate/);
    expect(() => decodeHeader(good.replace("TENANT_ID=t1", "TENANT_ID=../t1"))).toThrow(/TENANT_ID/);
    expect(() => decodeHeader(good.replace("CHUNK_SIZE=65536", "CHUNK_SIZE=99999999"))).toThrow(/chunk size/);
    expect(() => decodeHeader(good.split("\n").slice(0, -1).join("\n"))).toThrow(/lacks/);
  });

  it("refuses input that is not an archive", async () => {
    await expect(openBytes(Buffer.from("PK\u0003\u0004 zip file"), KEYS_A)).rejects.toThrow(
      /not a ProxPanel V2 backup/,
    );
    await expect(openBytes(Buffer.alloc(10_000, 65), KEYS_A)).rejects.toThrow(/not a ProxPanel V2 backup/);
  });
});
