import { createCipheriv, createHash, createHmac, getHashes, timingSafeEqual } from "node:crypto";
import md4js from "js-md4";

// OpenSSL 3 moved MD4 and single DES to the legacy provider, which Node 20 does not load.
const nativeMd4 = getHashes().includes("md4");

export function md4(data: Buffer): Buffer {
  if (nativeMd4) return createHash("md4").update(data).digest();
  return Buffer.from(md4js.arrayBuffer(data));
}

export function md5(...parts: (Buffer | string)[]): Buffer {
  const h = createHash("md5");
  for (const p of parts) h.update(p);
  return h.digest();
}

export function sha1(...parts: (Buffer | string)[]): Buffer {
  const h = createHash("sha1");
  for (const p of parts) h.update(p);
  return h.digest();
}

export function hmacMd5(key: string | Buffer, data: Buffer): Buffer {
  return createHmac("md5", key).update(data).digest();
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
