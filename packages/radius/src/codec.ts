import { fileURLToPath } from "node:url";
import radius from "radius";
import { type AttributeList, UnsupportedAttribute, writeAttributes } from "./encoder.ts";
import { hmacKey, hmacMd5, md5, safeEqual, secretBytes } from "./hashes.ts";
import { equal16, HmacMd5Key, hmacMd5With, md5Concat } from "./md5.ts";

// The package loads dictionaries lazily on first use, so ours must be registered first.
radius.add_dictionary(fileURLToPath(new URL("../dictionaries", import.meta.url)));

export const Code = {
  AccessRequest: 1,
  AccessAccept: 2,
  AccessReject: 3,
  AccountingRequest: 4,
  AccountingResponse: 5,
  StatusServer: 12,
  DisconnectRequest: 40,
  DisconnectAck: 41,
  DisconnectNak: 42,
  CoaRequest: 43,
  CoaAck: 44,
  CoaNak: 45,
} as const;

export const Attr = {
  UserName: 1,
  UserPassword: 2,
  ChapPassword: 3,
  VendorSpecific: 26,
  CallingStationId: 31,
  NasIdentifier: 32,
  ProxyState: 33,
  ChapChallenge: 60,
  MessageAuthenticator: 80,
} as const;

export const HEADER_LENGTH = 20;
export const MAX_PACKET_LENGTH = 4096;

export interface RawAttribute {
  type: number;
  /** offset of the value inside the packet */
  offset: number;
  length: number;
}

export interface DecodedPacket {
  code: number;
  identifier: number;
  authenticator: Buffer;
  /** the packet trimmed to its Length field (RFC 2865: octets beyond it are padding) */
  data: Buffer;
  raw: RawAttribute[];
  /** attributes by dictionary name, as the radius package decodes them; VSAs under "Vendor-Specific" */
  attributes: Record<string, unknown>;
}

/**
 * Strict framing check over the raw octets; the radius package's decoder runs only when a
 * caller asks for `attributes` by name. The package tolerates a truncated last attribute and an
 * over-long Length; RFC 2865 says such packets are silently discarded, so we check the framing
 * ourselves. Returns undefined for anything malformed. The PAP/CHAP path reads what it needs
 * from `raw` and never pays for the dictionary walk.
 */
export function decodePacket(msg: Buffer): DecodedPacket | undefined {
  if (msg.length < HEADER_LENGTH) return undefined;
  const length = msg.readUInt16BE(2);
  if (length < HEADER_LENGTH || length > MAX_PACKET_LENGTH || length > msg.length) return undefined;
  const code = msg[0] ?? 0;
  if (CODE_NAMES[code] === undefined) return undefined;
  const data = msg.length === length ? msg : msg.subarray(0, length);
  const raw: RawAttribute[] = [];
  let pos = HEADER_LENGTH;
  while (pos < length) {
    if (pos + 2 > length) return undefined;
    const attrLength = data[pos + 1] ?? 0;
    if (attrLength < 2 || pos + attrLength > length) return undefined;
    raw.push({ type: data[pos] ?? 0, offset: pos + 2, length: attrLength - 2 });
    pos += attrLength;
  }
  let attributes: Record<string, unknown> | undefined;
  return {
    code,
    identifier: data[1] ?? 0,
    authenticator: data.subarray(4, HEADER_LENGTH),
    data,
    raw,
    get attributes(): Record<string, unknown> {
      if (attributes !== undefined) return attributes;
      let decoded: Record<string, unknown>;
      try {
        decoded = radius.decode_without_secret({ packet: data }).attributes ?? {};
      } catch {
        // An attribute the dictionary cannot parse (short integer, bad VSA) reads as absent,
        // as FreeRADIUS treats malformed attributes as unknown ones.
        decoded = {};
      }
      attributes = decoded;
      return decoded;
    },
  };
}

/** First value of a raw (non-vendor) attribute as UTF-8, without the dictionary decoder. */
export function rawString(packet: DecodedPacket, type: number): string | undefined {
  for (const a of packet.raw) {
    if (a.type === type) return packet.data.toString("utf8", a.offset, a.offset + a.length);
  }
  return undefined;
}

export function rawValue(packet: DecodedPacket, attr: RawAttribute): Buffer {
  return packet.data.subarray(attr.offset, attr.offset + attr.length);
}

export function findRaw(packet: DecodedPacket, type: number): RawAttribute | undefined {
  return packet.raw.find((a) => a.type === type);
}

export function allRaw(packet: DecodedPacket, type: number): Buffer[] {
  return packet.raw.filter((a) => a.type === type).map((a) => rawValue(packet, a));
}

/** First value of a string attribute, whether the package gave one value or an array. */
export function stringAttr(attrs: Record<string, unknown>, name: string): string | undefined {
  const v = attrs[name];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === "string" ? first : undefined;
}

export function numberAttr(attrs: Record<string, unknown>, name: string): number | undefined {
  const v = attrs[name];
  const first = Array.isArray(v) ? v[0] : v;
  return typeof first === "number" ? first : undefined;
}

export function bufferAttr(attrs: Record<string, unknown>, name: string): Buffer | undefined {
  const v = attrs[name];
  const first = Array.isArray(v) ? v[0] : v;
  return Buffer.isBuffer(first) ? first : undefined;
}

export function vendorAttrs(attrs: Record<string, unknown>): Record<string, unknown> {
  const v = attrs["Vendor-Specific"];
  return v !== null && typeof v === "object" && !Buffer.isBuffer(v) ? (v as Record<string, unknown>) : {};
}

export type MessageAuthenticatorCheck = "ok" | "missing" | "bad";

/**
 * RFC 3579 3.2 over the raw octets (the package re-encodes the whole packet to check it).
 * `zeroAuthenticator` is for Accounting/CoA requests, whose HMAC is taken with the
 * Authenticator field zeroed.
 */
export function checkMessageAuthenticator(
  packet: DecodedPacket,
  secret: string,
  zeroAuthenticator = false,
): MessageAuthenticatorCheck {
  let ma: RawAttribute | undefined;
  for (const a of packet.raw) {
    if (a.type !== Attr.MessageAuthenticator) continue;
    if (ma) return "bad";
    ma = a;
  }
  if (!ma) return "missing";
  if (ma.length !== 16) return "bad";
  // The hash reads the two fields as zeroes; the packet itself is neither copied nor changed.
  const expected = hmacMd5With(
    hmacKey(secret),
    packet.data,
    digest,
    0,
    ma.offset,
    ma.offset + 16,
    zeroAuthenticator ? 4 : 0,
    zeroAuthenticator ? HEADER_LENGTH : 0,
  );
  return equal16(expected, 0, packet.data, ma.offset) ? "ok" : "bad";
}

/** RFC 2866 / 5176 Request Authenticator: MD5 over the packet with a zero authenticator, plus the secret. */
export function checkRequestAuthenticator(packet: DecodedPacket, secret: string): boolean {
  md5Concat([packet.data, secretBytes(secret)], digest, 0, 4, HEADER_LENGTH);
  return equal16(digest, 0, packet.authenticator, 0);
}

/** RFC 2865 5.2 User-Password hiding, reversed. */
export function decryptUserPassword(value: Buffer, secret: string, authenticator: Buffer): Buffer | undefined {
  if (value.length < 16 || value.length > 128 || value.length % 16 !== 0) return undefined;
  const out = Buffer.allocUnsafe(value.length);
  const key = secretBytes(secret);
  let prev = authenticator;
  for (let i = 0; i < value.length; i += 16) {
    md5Concat([key, prev], digest);
    for (let j = 0; j < 16; j++) out[i + j] = (value[i + j] as number) ^ (digest[j] as number);
    prev = value.subarray(i, i + 16);
  }
  let end = out.length;
  while (end > 0 && out[end - 1] === 0) end--;
  return out.subarray(0, end);
}

export function encryptUserPassword(password: Buffer, secret: string, authenticator: Buffer): Buffer {
  const padded = Buffer.alloc(Math.max(16, Math.ceil(password.length / 16) * 16));
  password.copy(padded);
  const out = Buffer.alloc(padded.length);
  let prev = authenticator;
  for (let i = 0; i < padded.length; i += 16) {
    const b = md5(secret, prev);
    for (let j = 0; j < 16; j++) out[i + j] = (padded[i + j] ?? 0) ^ (b[j] ?? 0);
    prev = out.subarray(i, i + 16);
  }
  return out;
}

export type { AttributeList, AttributeValue } from "./encoder.ts";

const ZERO16 = Buffer.alloc(16);
// Digests the hot path compares or XORs and then forgets: one buffer, never handed out.
const digest = Buffer.alloc(16);
// Replies are assembled here and copied out at their final length: one allocation per reply.
const scratch = Buffer.allocUnsafe(MAX_PACKET_LENGTH);

/** Replies that needed the package's encoder (read by tests: the hot path must not land here). */
export const encoderStats = { fallbacks: 0 };

export interface ResponseArgs {
  code: number;
  identifier: number;
  requestAuthenticator: Buffer;
  secret: string | Buffer;
  attributes: AttributeList;
  proxyState?: Buffer[];
}

/**
 * Encodes a reply with Message-Authenticator as the FIRST attribute, as the BlastRADIUS
 * (CVE-2024-3596) guidance asks of servers, then the Response Authenticator over it.
 */
export function encodeResponse(args: ResponseArgs): Buffer {
  let length: number;
  try {
    length = writeResponseBody(args);
  } catch (err) {
    if (!(err instanceof UnsupportedAttribute) && !(err instanceof RangeError)) throw err;
    encoderStats.fallbacks++;
    return encodeResponseWithPackage(args);
  }
  const buf = Buffer.allocUnsafe(length);
  scratch.copy(buf, 0, 0, length);
  signResponse(buf, args.code, args.requestAuthenticator, args.secret);
  return buf;
}

function writeResponseBody(args: ResponseArgs): number {
  scratch[0] = args.code;
  scratch[1] = args.identifier;
  scratch[HEADER_LENGTH] = Attr.MessageAuthenticator;
  scratch[HEADER_LENGTH + 1] = 18;
  let pos = writeAttributes(scratch, HEADER_LENGTH + 18, args.attributes);
  for (const p of args.proxyState ?? []) {
    if (pos + 2 + p.length > MAX_PACKET_LENGTH) throw new RangeError("reply too long");
    scratch[pos] = Attr.ProxyState;
    scratch[pos + 1] = p.length + 2;
    p.copy(scratch, pos + 2);
    pos += p.length + 2;
  }
  if (pos > MAX_PACKET_LENGTH) throw new RangeError("reply too long");
  scratch.writeUInt16BE(pos, 2);
  return pos;
}

function signResponse(buf: Buffer, code: number, requestAuthenticator: Buffer, secret: string | Buffer): void {
  // FreeRADIUS (and so radclient) takes an Accounting-Response's HMAC over a zero authenticator,
  // like a request's; replies to Access and CoA requests use the request's authenticator.
  if (code === Code.AccountingResponse) buf.fill(0, 4, HEADER_LENGTH);
  else requestAuthenticator.copy(buf, 4);
  buf.fill(0, HEADER_LENGTH + 2, HEADER_LENGTH + 18);
  // Both digests are written straight into the reply (the input is copied before hashing).
  const key = typeof secret === "string" ? hmacKey(secret) : new HmacMd5Key(secret);
  hmacMd5With(key, buf, buf, HEADER_LENGTH + 2);
  requestAuthenticator.copy(buf, 4);
  md5Concat([buf, typeof secret === "string" ? secretBytes(secret) : secret], buf, 4);
}

/** The reference path: the radius package's encoder, for attributes ours does not write. */
export function encodeResponseWithPackage(args: ResponseArgs): Buffer {
  const attributes: AttributeList = [["Message-Authenticator", ZERO16], ...args.attributes];
  for (const p of args.proxyState ?? []) attributes.push([Attr.ProxyState, p]);
  const buf = radius.encode({
    code: codeName(args.code),
    identifier: args.identifier,
    secret: typeof args.secret === "string" ? args.secret : args.secret.toString("latin1"),
    attributes,
    add_message_authenticator: false,
  });
  signResponse(buf, args.code, args.requestAuthenticator, args.secret);
  return buf;
}

/**
 * Encodes a request. Access-Request: random authenticator, then Message-Authenticator.
 * Accounting/Disconnect/CoA: Message-Authenticator with a zero authenticator, then the
 * Request Authenticator over the result (RFC 5176 3.5, RFC 3579 3.2).
 */
export function encodeRequest(args: {
  code: number;
  identifier: number;
  secret: string;
  attributes: AttributeList;
  authenticator?: Buffer;
  messageAuthenticator?: boolean;
}): Buffer {
  const withMa = args.messageAuthenticator ?? true;
  const attributes: AttributeList = withMa
    ? [["Message-Authenticator", ZERO16], ...args.attributes]
    : [...args.attributes];
  const isAccess = args.code === Code.AccessRequest || args.code === Code.StatusServer;
  const buf = radius.encode({
    code: codeName(args.code),
    identifier: args.identifier,
    secret: args.secret,
    attributes,
    add_message_authenticator: false,
  });
  if (isAccess) {
    if (args.authenticator) args.authenticator.copy(buf, 4);
    if (withMa) hmacMd5(args.secret, buf).copy(buf, HEADER_LENGTH + 2);
    return buf;
  }
  buf.fill(0, 4, HEADER_LENGTH);
  if (withMa) hmacMd5(args.secret, buf).copy(buf, HEADER_LENGTH + 2);
  md5(buf, args.secret).copy(buf, 4);
  return buf;
}

/** Checks a reply's Response Authenticator and, when present, its Message-Authenticator. */
export function verifyResponse(response: Buffer, requestAuthenticator: Buffer, secret: string): boolean {
  const packet = decodePacket(response);
  if (!packet) return false;
  const copy = Buffer.from(packet.data);
  requestAuthenticator.copy(copy, 4);
  if (!safeEqual(md5(copy, secret), packet.authenticator)) return false;
  const ma = findRaw(packet, Attr.MessageAuthenticator);
  if (!ma) return true;
  if (ma.length !== 16) return false;
  copy.fill(0, ma.offset, ma.offset + 16);
  if (packet.code === Code.AccountingResponse) copy.fill(0, 4, HEADER_LENGTH);
  return safeEqual(hmacMd5(secret, copy), rawValue(packet, ma));
}

const CODE_NAMES: Record<number, string> = {
  1: "Access-Request",
  2: "Access-Accept",
  3: "Access-Reject",
  4: "Accounting-Request",
  5: "Accounting-Response",
  12: "Status-Server",
  40: "Disconnect-Request",
  41: "Disconnect-ACK",
  42: "Disconnect-NAK",
  43: "CoA-Request",
  44: "CoA-ACK",
  45: "CoA-NAK",
};

export function codeName(code: number): string {
  const name = CODE_NAMES[code];
  if (!name) throw new Error(`unsupported RADIUS code ${code}`);
  return name;
}
