/**
 * MS-CHAPv2 (RFC 2759), its MPPE key derivation (RFC 3079) and the MPPE key attribute
 * encryption of RFC 2548 2.4.2. Used by the server and by the pure-TS test client.
 */
import { randomBytes } from "node:crypto";
import { desEncryptBlock, md4, md5, sha1 } from "./hashes.ts";

const MAGIC1 = Buffer.from("Magic server to client signing constant", "ascii");
const MAGIC2 = Buffer.from("Pad to make it do more than one iteration", "ascii");
const MASTER_MAGIC = Buffer.from("This is the MPPE Master Key", "ascii");
const KEY_MAGIC_CLIENT_SEND = Buffer.from(
  "On the client side, this is the send key; on the server side, it is the receive key.",
  "ascii",
);
const KEY_MAGIC_SERVER_SEND = Buffer.from(
  "On the client side, this is the receive key; on the server side, it is the send key.",
  "ascii",
);
const SHS_PAD1 = Buffer.alloc(40, 0x00);
const SHS_PAD2 = Buffer.alloc(40, 0xf2);

export function ntPasswordHash(password: string): Buffer {
  return md4(Buffer.from(password, "utf16le"));
}

/** MS-CHAP hashes the account name without a "DOMAIN\" prefix (RFC 2759 8.2). */
export function stripDomain(userName: string): string {
  const i = userName.lastIndexOf("\\");
  return i >= 0 ? userName.slice(i + 1) : userName;
}

export function challengeHash(peerChallenge: Buffer, authenticatorChallenge: Buffer, userName: string): Buffer {
  return sha1(peerChallenge, authenticatorChallenge, Buffer.from(stripDomain(userName), "utf8")).subarray(0, 8);
}

/** 7 key octets spread over 8, low bit of each left for (ignored) parity. */
function desKey(key7: Buffer): Buffer {
  const k = Buffer.alloc(8);
  let bits = 0n;
  for (const b of key7) bits = (bits << 8n) | BigInt(b);
  for (let i = 0; i < 8; i++) k[i] = Number((bits >> BigInt(49 - 7 * i)) & 0x7fn) << 1;
  return k;
}

export function challengeResponse(challenge: Buffer, passwordHash: Buffer): Buffer {
  const z = Buffer.alloc(21);
  passwordHash.copy(z);
  return Buffer.concat([0, 7, 14].map((o) => desEncryptBlock(desKey(z.subarray(o, o + 7)), challenge)));
}

export function generateNtResponse(
  authenticatorChallenge: Buffer,
  peerChallenge: Buffer,
  userName: string,
  passwordHash: Buffer,
): Buffer {
  return challengeResponse(challengeHash(peerChallenge, authenticatorChallenge, userName), passwordHash);
}

/** The "S=<40 hex>" string of RFC 2759 8.7. */
export function generateAuthenticatorResponse(
  passwordHash: Buffer,
  ntResponse: Buffer,
  peerChallenge: Buffer,
  authenticatorChallenge: Buffer,
  userName: string,
): string {
  const hashHash = md4(passwordHash);
  const digest = sha1(hashHash, ntResponse, MAGIC1);
  const challenge = challengeHash(peerChallenge, authenticatorChallenge, userName);
  return `S=${sha1(digest, challenge, MAGIC2).toString("hex").toUpperCase()}`;
}

export interface MppeKeys {
  /** server → client (MS-MPPE-Send-Key) */
  send: Buffer;
  /** client → server (MS-MPPE-Recv-Key) */
  recv: Buffer;
}

/** RFC 3079 3.4: 128-bit start keys as the authenticator (server) sees them. */
export function mppeKeys(passwordHash: Buffer, ntResponse: Buffer): MppeKeys {
  const master = sha1(md4(passwordHash), ntResponse, MASTER_MAGIC).subarray(0, 16);
  const derive = (magic: Buffer) => sha1(master, SHS_PAD1, magic, SHS_PAD2).subarray(0, 16);
  return { send: derive(KEY_MAGIC_SERVER_SEND), recv: derive(KEY_MAGIC_CLIENT_SEND) };
}

/** RFC 2548 2.4.2: Salt (high bit set) + key length + key, padded and MD5-chained with the secret. */
export function encryptMppeKey(key: Buffer, secret: string, requestAuthenticator: Buffer, salt?: Buffer): Buffer {
  const s = salt ?? randomBytes(2);
  s[0] = (s[0] ?? 0) | 0x80;
  const plainLength = Math.ceil((key.length + 1) / 16) * 16;
  const plain = Buffer.alloc(plainLength);
  plain[0] = key.length;
  key.copy(plain, 1);
  const out = Buffer.alloc(plainLength);
  let b = md5(secret, requestAuthenticator, s);
  for (let i = 0; i < plainLength; i += 16) {
    for (let j = 0; j < 16; j++) out[i + j] = (plain[i + j] ?? 0) ^ (b[j] ?? 0);
    b = md5(secret, out.subarray(i, i + 16));
  }
  return Buffer.concat([s, out]);
}

export function decryptMppeKey(value: Buffer, secret: string, requestAuthenticator: Buffer): Buffer | undefined {
  if (value.length < 18 || (value.length - 2) % 16 !== 0) return undefined;
  const salt = value.subarray(0, 2);
  const cipher = value.subarray(2);
  const plain = Buffer.alloc(cipher.length);
  let b = md5(secret, requestAuthenticator, salt);
  for (let i = 0; i < cipher.length; i += 16) {
    for (let j = 0; j < 16; j++) plain[i + j] = (cipher[i + j] ?? 0) ^ (b[j] ?? 0);
    b = md5(secret, cipher.subarray(i, i + 16));
  }
  const len = plain[0] ?? 0;
  return len + 1 <= plain.length ? plain.subarray(1, 1 + len) : undefined;
}

/** Parsed MS-CHAP2-Response (RFC 2548 2.3.2): Ident, Flags, Peer-Challenge, Reserved, Response. */
export interface MsChap2Response {
  ident: number;
  peerChallenge: Buffer;
  ntResponse: Buffer;
}

export function parseMsChap2Response(value: Buffer): MsChap2Response | undefined {
  if (value.length !== 50) return undefined;
  return { ident: value[0] ?? 0, peerChallenge: value.subarray(2, 18), ntResponse: value.subarray(26, 50) };
}

export function buildMsChap2Response(ident: number, peerChallenge: Buffer, ntResponse: Buffer): Buffer {
  const v = Buffer.alloc(50);
  v[0] = ident;
  peerChallenge.copy(v, 2);
  ntResponse.copy(v, 26);
  return v;
}
