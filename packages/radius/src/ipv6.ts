import { isIPv6 } from "node:net";

/**
 * IPv6 prefixes as RADIUS carries them (RFC 3162 Framed-IPv6-Prefix, RFC 4818
 * Delegated-IPv6-Prefix: a reserved octet, the prefix length, then the prefix's significant
 * octets) and as text. node:net validates; the rest is arithmetic on 128-bit BigInts, shared by
 * the daemon and the API's pool code.
 */

/** 16 octets of an IPv6 address, or undefined when `text` is not one. */
export function ipv6Bytes(text: string): Buffer | undefined {
  if (!isIPv6(text)) return undefined;
  let s = text;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = s.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups =
    tail === undefined ? left : [...left, ...new Array(8 - left.length - right.length).fill("0"), ...right];
  const out = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) out.writeUInt16BE(Number.parseInt(g, 16), i * 2);
  return out;
}

/** RFC 5952 text: lower case, leading zeros dropped, the longest run of zero groups as "::". */
export function formatIpv6(bytes: Buffer): string {
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLen).join(":")}`;
}

export const ipv6ToBigInt = (bytes: Buffer): bigint => BigInt(`0x${bytes.toString("hex")}`);

export const bigIntToIpv6 = (n: bigint): Buffer => Buffer.from(n.toString(16).padStart(32, "0"), "hex");

export interface Ipv6Prefix {
  network: bigint;
  length: number;
}

/** "2001:db8::/48" → network and length; undefined when malformed or host bits are set. */
export function parseIpv6Prefix(text: string): Ipv6Prefix | undefined {
  const [addr, bits, extra] = text.split("/");
  if (!addr || !bits || extra !== undefined || !/^\d{1,3}$/.test(bits)) return undefined;
  const length = Number(bits);
  const bytes = ipv6Bytes(addr);
  if (!bytes || length > 128) return undefined;
  const network = ipv6ToBigInt(bytes);
  if (network & hostMask(length)) return undefined;
  return { network, length };
}

export const hostMask = (length: number): bigint => (1n << BigInt(128 - length)) - 1n;

export const formatIpv6Prefix = (p: Ipv6Prefix): string => `${formatIpv6(bigIntToIpv6(p.network))}/${p.length}`;

/** The attribute value of a Framed-IPv6-Prefix or Delegated-IPv6-Prefix. */
export function prefixAttribute(text: string): Buffer | undefined {
  const p = parseIpv6Prefix(text);
  if (!p) return undefined;
  const significant = Math.ceil(p.length / 8);
  return Buffer.concat([Buffer.from([0, p.length]), bigIntToIpv6(p.network).subarray(0, significant)]);
}

/** Reads such an attribute; undefined when its length octets do not add up. */
export function readPrefixAttribute(value: Buffer): string | undefined {
  if (value.length < 2 || value.length > 18) return undefined;
  const length = value[1] ?? 0;
  if (length > 128 || value.length - 2 < Math.ceil(length / 8)) return undefined;
  const bytes = Buffer.alloc(16);
  value.copy(bytes, 0, 2);
  // Bits past the prefix length are ignored (RFC 3162 2.3), so clear them.
  const network = ipv6ToBigInt(bytes) & ~hostMask(length) & ((1n << 128n) - 1n);
  return formatIpv6Prefix({ network, length });
}

/** Framed-Interface-Id (RFC 3162 2.1): 8 octets, written like the low half of an address. */
export function readInterfaceId(value: Buffer): string | undefined {
  if (value.length !== 8) return undefined;
  return Array.from({ length: 4 }, (_, i) => value.readUInt16BE(i * 2).toString(16)).join(":");
}
