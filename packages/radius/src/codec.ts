import { fileURLToPath } from "node:url";
import radius from "radius";
import { hmacMd5, md5, safeEqual } from "./hashes.ts";

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
 * Strict framing check, then the radius package's decoder. The package tolerates a truncated
 * last attribute and an over-long Length; RFC 2865 says such packets are silently discarded,
 * so we check the framing ourselves. Returns undefined for anything malformed.
 */
export function decodePacket(msg: Buffer): DecodedPacket | undefined {
  if (msg.length < HEADER_LENGTH) return undefined;
  const length = msg.readUInt16BE(2);
  if (length < HEADER_LENGTH || length > MAX_PACKET_LENGTH || length > msg.length) return undefined;
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
  let attributes: Record<string, unknown>;
  try {
    attributes = radius.decode_without_secret({ packet: data }).attributes;
  } catch {
    return undefined;
  }
  return {
    code: data[0] ?? 0,
    identifier: data[1] ?? 0,
    authenticator: data.subarray(4, HEADER_LENGTH),
    data,
    raw,
    attributes,
  };
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
  // Zeroed in place and restored: the hot path avoids copying the packet.
  const data = packet.data;
  const received = Buffer.from(data.subarray(ma.offset, ma.offset + 16));
  const authenticator = zeroAuthenticator ? Buffer.from(data.subarray(4, HEADER_LENGTH)) : undefined;
  data.fill(0, ma.offset, ma.offset + 16);
  if (authenticator) data.fill(0, 4, HEADER_LENGTH);
  const expected = hmacMd5(secret, data);
  received.copy(data, ma.offset);
  authenticator?.copy(data, 4);
  return safeEqual(expected, received) ? "ok" : "bad";
}

/** RFC 2866 / 5176 Request Authenticator: MD5 over the packet with a zero authenticator, plus the secret. */
export function checkRequestAuthenticator(packet: DecodedPacket, secret: string): boolean {
  const copy = Buffer.from(packet.data);
  copy.fill(0, 4, HEADER_LENGTH);
  return safeEqual(md5(copy, secret), packet.authenticator);
}

/** RFC 2865 5.2 User-Password hiding, reversed. */
export function decryptUserPassword(value: Buffer, secret: string, authenticator: Buffer): Buffer | undefined {
  if (value.length < 16 || value.length > 128 || value.length % 16 !== 0) return undefined;
  const out = Buffer.alloc(value.length);
  let prev = authenticator;
  for (let i = 0; i < value.length; i += 16) {
    const b = md5(secret, prev);
    for (let j = 0; j < 16; j++) out[i + j] = (value[i + j] ?? 0) ^ (b[j] ?? 0);
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

/** An attribute as the radius package's encoder takes it: [name, value] or a VSA [name, vendor, [...]]. */
export type AttributeValue = string | number | Buffer | Date;
export type AttributeList = Array<[string | number, AttributeValue] | ["Vendor-Specific", number, AttributeList]>;

const ZERO16 = Buffer.alloc(16);

/**
 * Encodes a reply with Message-Authenticator as the FIRST attribute, as the BlastRADIUS
 * (CVE-2024-3596) guidance asks of servers, then the Response Authenticator over it.
 */
export function encodeResponse(args: {
  code: number;
  identifier: number;
  requestAuthenticator: Buffer;
  secret: string;
  attributes: AttributeList;
  proxyState?: Buffer[];
}): Buffer {
  const attributes: AttributeList = [["Message-Authenticator", ZERO16], ...args.attributes];
  for (const p of args.proxyState ?? []) attributes.push([Attr.ProxyState, p]);
  const buf = radius.encode({
    code: codeName(args.code),
    identifier: args.identifier,
    secret: args.secret,
    attributes,
    add_message_authenticator: false,
  });
  // FreeRADIUS (and so radclient) takes an Accounting-Response's HMAC over a zero authenticator,
  // like a request's; replies to Access and CoA requests use the request's authenticator.
  if (args.code === Code.AccountingResponse) buf.fill(0, 4, HEADER_LENGTH);
  else args.requestAuthenticator.copy(buf, 4);
  hmacMd5(args.secret, buf).copy(buf, HEADER_LENGTH + 2);
  args.requestAuthenticator.copy(buf, 4);
  md5(buf, args.secret).copy(buf, 4);
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
