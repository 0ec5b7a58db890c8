import { createCipheriv, createHash, getHashes, timingSafeEqual } from "node:crypto";
import md4js from "js-md4";
import { HmacMd5Key, hmacMd5With, md5Concat } from "./md5.ts";

// OpenSSL 3 moved MD4 and single DES to the legacy provider, which Node 20 does not load.
const nativeMd4 = getHashes().includes("md4");

export function md4(data: Buffer): Buffer {
  if (nativeMd4) return createHash("md4").update(data).digest();
  return Buffer.from(md4js.arrayBuffer(data));
}

export function md5(...parts: (Buffer | string)[]): Buffer {
  return md5Concat(parts);
}

export function sha1(...parts: (Buffer | string)[]): Buffer {
  const h = createHash("sha1");
  for (const p of parts) h.update(p);
  return h.digest();
}

/**
 * Shared secrets are hashed several times per packet; converting the string each time showed
 * up in profiles, so each distinct secret is converted once. Bounded: a table of NAS secrets,
 * cleared wholesale if something ever feeds it unbounded input.
 */
const SECRET_CACHE_LIMIT = 10_000;
const secretBytesCache = new Map<string, Buffer>();
const hmacKeyCache = new Map<string, HmacMd5Key>();

export function secretBytes(secret: string): Buffer {
  let b = secretBytesCache.get(secret);
  if (!b) {
    if (secretBytesCache.size >= SECRET_CACHE_LIMIT) secretBytesCache.clear();
    b = Buffer.from(secret, "utf8");
    secretBytesCache.set(secret, b);
  }
  return b;
}

/** A shared secret as an HMAC-MD5 key, its pads compressed once per secret. */
export function hmacKey(secret: string): HmacMd5Key {
  let k = hmacKeyCache.get(secret);
  if (!k) {
    if (hmacKeyCache.size >= SECRET_CACHE_LIMIT) hmacKeyCache.clear();
    k = new HmacMd5Key(secretBytes(secret));
    hmacKeyCache.set(secret, k);
  }
  return k;
}

export function hmacMd5(key: string | Buffer, data: Buffer): Buffer {
  return hmacMd5With(typeof key === "string" ? hmacKey(key) : new HmacMd5Key(key), data);
}

/** Single DES (ECB, one block) through 3DES with K1=K2=K3, which the default provider keeps. */
export function desEncryptBlock(key8: Buffer, block: Buffer): Buffer {
  const cipher = createCipheriv("des-ede3-ecb", Buffer.concat([key8, key8, key8]), null);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(block), cipher.final()]);
}

export function safeEqual(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
