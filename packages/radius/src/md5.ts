/**
 * MD5 and HMAC-MD5 in plain JavaScript, for the RADIUS hot path. Every packet needs three or four
 * digests of under 100 octets; through node:crypto each one costs a Hash or Hmac object, a native
 * call and a Buffer, which profiling put at a quarter of the daemon's CPU. Here a digest is a few
 * hundred integer operations on a reused scratch buffer, and an HMAC key's inner and outer pads
 * are compressed once per shared secret instead of once per packet. Checked against node:crypto
 * in md5.test.ts.
 */

// Four state words; callers never see them.
const state = new Int32Array(4);
const INIT = Int32Array.of(0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476);
let scratch = Buffer.allocUnsafe(8192);

const word = (m: Uint8Array, o: number): number =>
  (m[o] as number) | ((m[o + 1] as number) << 8) | ((m[o + 2] as number) << 16) | ((m[o + 3] as number) << 24);

/**
 * One 64-octet block at `o` into `s`. Unrolled with the round functions written out: as calls
 * they were too many for V8 to inline into one function, and the calls showed in profiles.
 */
function compress(s: Int32Array, m: Uint8Array, o: number): void {
  const w0 = word(m, o);
  const w1 = word(m, o + 4);
  const w2 = word(m, o + 8);
  const w3 = word(m, o + 12);
  const w4 = word(m, o + 16);
  const w5 = word(m, o + 20);
  const w6 = word(m, o + 24);
  const w7 = word(m, o + 28);
  const w8 = word(m, o + 32);
  const w9 = word(m, o + 36);
  const w10 = word(m, o + 40);
  const w11 = word(m, o + 44);
  const w12 = word(m, o + 48);
  const w13 = word(m, o + 52);
  const w14 = word(m, o + 56);
  const w15 = word(m, o + 60);
  let a = s[0] as number;
  let b = s[1] as number;
  let c = s[2] as number;
  let d = s[3] as number;
  let n: number;
  n = (a + ((b & c) | (~b & d)) + w0 - 680876936) | 0;
  a = (((n << 7) | (n >>> 25)) + b) | 0;
  n = (d + ((a & b) | (~a & c)) + w1 - 389564586) | 0;
  d = (((n << 12) | (n >>> 20)) + a) | 0;
  n = (c + ((d & a) | (~d & b)) + w2 + 606105819) | 0;
  c = (((n << 17) | (n >>> 15)) + d) | 0;
  n = (b + ((c & d) | (~c & a)) + w3 - 1044525330) | 0;
  b = (((n << 22) | (n >>> 10)) + c) | 0;
  n = (a + ((b & c) | (~b & d)) + w4 - 176418897) | 0;
  a = (((n << 7) | (n >>> 25)) + b) | 0;
  n = (d + ((a & b) | (~a & c)) + w5 + 1200080426) | 0;
  d = (((n << 12) | (n >>> 20)) + a) | 0;
  n = (c + ((d & a) | (~d & b)) + w6 - 1473231341) | 0;
  c = (((n << 17) | (n >>> 15)) + d) | 0;
  n = (b + ((c & d) | (~c & a)) + w7 - 45705983) | 0;
  b = (((n << 22) | (n >>> 10)) + c) | 0;
  n = (a + ((b & c) | (~b & d)) + w8 + 1770035416) | 0;
  a = (((n << 7) | (n >>> 25)) + b) | 0;
  n = (d + ((a & b) | (~a & c)) + w9 - 1958414417) | 0;
  d = (((n << 12) | (n >>> 20)) + a) | 0;
  n = (c + ((d & a) | (~d & b)) + w10 - 42063) | 0;
  c = (((n << 17) | (n >>> 15)) + d) | 0;
  n = (b + ((c & d) | (~c & a)) + w11 - 1990404162) | 0;
  b = (((n << 22) | (n >>> 10)) + c) | 0;
  n = (a + ((b & c) | (~b & d)) + w12 + 1804603682) | 0;
  a = (((n << 7) | (n >>> 25)) + b) | 0;
  n = (d + ((a & b) | (~a & c)) + w13 - 40341101) | 0;
  d = (((n << 12) | (n >>> 20)) + a) | 0;
  n = (c + ((d & a) | (~d & b)) + w14 - 1502002290) | 0;
  c = (((n << 17) | (n >>> 15)) + d) | 0;
  n = (b + ((c & d) | (~c & a)) + w15 + 1236535329) | 0;
  b = (((n << 22) | (n >>> 10)) + c) | 0;
  n = (a + ((b & d) | (c & ~d)) + w1 - 165796510) | 0;
  a = (((n << 5) | (n >>> 27)) + b) | 0;
  n = (d + ((a & c) | (b & ~c)) + w6 - 1069501632) | 0;
  d = (((n << 9) | (n >>> 23)) + a) | 0;
  n = (c + ((d & b) | (a & ~b)) + w11 + 643717713) | 0;
  c = (((n << 14) | (n >>> 18)) + d) | 0;
  n = (b + ((c & a) | (d & ~a)) + w0 - 373897302) | 0;
  b = (((n << 20) | (n >>> 12)) + c) | 0;
  n = (a + ((b & d) | (c & ~d)) + w5 - 701558691) | 0;
  a = (((n << 5) | (n >>> 27)) + b) | 0;
  n = (d + ((a & c) | (b & ~c)) + w10 + 38016083) | 0;
  d = (((n << 9) | (n >>> 23)) + a) | 0;
  n = (c + ((d & b) | (a & ~b)) + w15 - 660478335) | 0;
  c = (((n << 14) | (n >>> 18)) + d) | 0;
  n = (b + ((c & a) | (d & ~a)) + w4 - 405537848) | 0;
  b = (((n << 20) | (n >>> 12)) + c) | 0;
  n = (a + ((b & d) | (c & ~d)) + w9 + 568446438) | 0;
  a = (((n << 5) | (n >>> 27)) + b) | 0;
  n = (d + ((a & c) | (b & ~c)) + w14 - 1019803690) | 0;
  d = (((n << 9) | (n >>> 23)) + a) | 0;
  n = (c + ((d & b) | (a & ~b)) + w3 - 187363961) | 0;
  c = (((n << 14) | (n >>> 18)) + d) | 0;
  n = (b + ((c & a) | (d & ~a)) + w8 + 1163531501) | 0;
  b = (((n << 20) | (n >>> 12)) + c) | 0;
  n = (a + ((b & d) | (c & ~d)) + w13 - 1444681467) | 0;
  a = (((n << 5) | (n >>> 27)) + b) | 0;
  n = (d + ((a & c) | (b & ~c)) + w2 - 51403784) | 0;
  d = (((n << 9) | (n >>> 23)) + a) | 0;
  n = (c + ((d & b) | (a & ~b)) + w7 + 1735328473) | 0;
  c = (((n << 14) | (n >>> 18)) + d) | 0;
  n = (b + ((c & a) | (d & ~a)) + w12 - 1926607734) | 0;
  b = (((n << 20) | (n >>> 12)) + c) | 0;
  n = (a + (b ^ c ^ d) + w5 - 378558) | 0;
  a = (((n << 4) | (n >>> 28)) + b) | 0;
  n = (d + (a ^ b ^ c) + w8 - 2022574463) | 0;
  d = (((n << 11) | (n >>> 21)) + a) | 0;
  n = (c + (d ^ a ^ b) + w11 + 1839030562) | 0;
  c = (((n << 16) | (n >>> 16)) + d) | 0;
  n = (b + (c ^ d ^ a) + w14 - 35309556) | 0;
  b = (((n << 23) | (n >>> 9)) + c) | 0;
  n = (a + (b ^ c ^ d) + w1 - 1530992060) | 0;
  a = (((n << 4) | (n >>> 28)) + b) | 0;
  n = (d + (a ^ b ^ c) + w4 + 1272893353) | 0;
  d = (((n << 11) | (n >>> 21)) + a) | 0;
  n = (c + (d ^ a ^ b) + w7 - 155497632) | 0;
  c = (((n << 16) | (n >>> 16)) + d) | 0;
  n = (b + (c ^ d ^ a) + w10 - 1094730640) | 0;
  b = (((n << 23) | (n >>> 9)) + c) | 0;
  n = (a + (b ^ c ^ d) + w13 + 681279174) | 0;
  a = (((n << 4) | (n >>> 28)) + b) | 0;
  n = (d + (a ^ b ^ c) + w0 - 358537222) | 0;
  d = (((n << 11) | (n >>> 21)) + a) | 0;
  n = (c + (d ^ a ^ b) + w3 - 722521979) | 0;
  c = (((n << 16) | (n >>> 16)) + d) | 0;
  n = (b + (c ^ d ^ a) + w6 + 76029189) | 0;
  b = (((n << 23) | (n >>> 9)) + c) | 0;
  n = (a + (b ^ c ^ d) + w9 - 640364487) | 0;
  a = (((n << 4) | (n >>> 28)) + b) | 0;
  n = (d + (a ^ b ^ c) + w12 - 421815835) | 0;
  d = (((n << 11) | (n >>> 21)) + a) | 0;
  n = (c + (d ^ a ^ b) + w15 + 530742520) | 0;
  c = (((n << 16) | (n >>> 16)) + d) | 0;
  n = (b + (c ^ d ^ a) + w2 - 995338651) | 0;
  b = (((n << 23) | (n >>> 9)) + c) | 0;
  n = (a + (c ^ (b | ~d)) + w0 - 198630844) | 0;
  a = (((n << 6) | (n >>> 26)) + b) | 0;
  n = (d + (b ^ (a | ~c)) + w7 + 1126891415) | 0;
  d = (((n << 10) | (n >>> 22)) + a) | 0;
  n = (c + (a ^ (d | ~b)) + w14 - 1416354905) | 0;
  c = (((n << 15) | (n >>> 17)) + d) | 0;
  n = (b + (d ^ (c | ~a)) + w5 - 57434055) | 0;
  b = (((n << 21) | (n >>> 11)) + c) | 0;
  n = (a + (c ^ (b | ~d)) + w12 + 1700485571) | 0;
  a = (((n << 6) | (n >>> 26)) + b) | 0;
  n = (d + (b ^ (a | ~c)) + w3 - 1894986606) | 0;
  d = (((n << 10) | (n >>> 22)) + a) | 0;
  n = (c + (a ^ (d | ~b)) + w10 - 1051523) | 0;
  c = (((n << 15) | (n >>> 17)) + d) | 0;
  n = (b + (d ^ (c | ~a)) + w1 - 2054922799) | 0;
  b = (((n << 21) | (n >>> 11)) + c) | 0;
  n = (a + (c ^ (b | ~d)) + w8 + 1873313359) | 0;
  a = (((n << 6) | (n >>> 26)) + b) | 0;
  n = (d + (b ^ (a | ~c)) + w15 - 30611744) | 0;
  d = (((n << 10) | (n >>> 22)) + a) | 0;
  n = (c + (a ^ (d | ~b)) + w6 - 1560198380) | 0;
  c = (((n << 15) | (n >>> 17)) + d) | 0;
  n = (b + (d ^ (c | ~a)) + w13 + 1309151649) | 0;
  b = (((n << 21) | (n >>> 11)) + c) | 0;
  n = (a + (c ^ (b | ~d)) + w4 - 145523070) | 0;
  a = (((n << 6) | (n >>> 26)) + b) | 0;
  n = (d + (b ^ (a | ~c)) + w11 - 1120210379) | 0;
  d = (((n << 10) | (n >>> 22)) + a) | 0;
  n = (c + (a ^ (d | ~b)) + w2 + 718787259) | 0;
  c = (((n << 15) | (n >>> 17)) + d) | 0;
  n = (b + (d ^ (c | ~a)) + w9 - 343485551) | 0;
  b = (((n << 21) | (n >>> 11)) + c) | 0;
  s[0] = ((s[0] as number) + a) | 0;
  s[1] = ((s[1] as number) + b) | 0;
  s[2] = ((s[2] as number) + c) | 0;
  s[3] = ((s[3] as number) + d) | 0;
}

function ensureScratch(bytes: number): Buffer {
  if (scratch.length < bytes) scratch = Buffer.allocUnsafe(Math.max(bytes, scratch.length * 2));
  return scratch;
}

/**
 * Finishes a digest over scratch[0, length) continuing `s`, which has already absorbed `prefix`
 * octets (the HMAC pad block), and writes the 16-octet result at out[outOffset].
 */
function finish(s: Int32Array, length: number, prefix: number, out: Uint8Array, outOffset: number): void {
  const buf = ensureScratch(length + 72);
  let o = 0;
  for (; o + 64 <= length; o += 64) compress(s, buf, o);
  const rem = length - o;
  const end = o + (rem + 9 <= 64 ? 64 : 128);
  buf[length] = 0x80;
  buf.fill(0, length + 1, end - 8);
  const bits = (length + prefix) * 8;
  buf.writeUInt32LE(bits >>> 0, end - 8);
  buf.writeUInt32LE(Math.floor(bits / 0x100000000), end - 4);
  for (; o < end; o += 64) compress(s, buf, o);
  for (let i = 0; i < 4; i++) {
    const v = s[i] as number;
    const p = outOffset + i * 4;
    out[p] = v & 0xff;
    out[p + 1] = (v >>> 8) & 0xff;
    out[p + 2] = (v >>> 16) & 0xff;
    out[p + 3] = v >>> 24;
  }
}

/** Appends the parts to the scratch buffer; returns the total length. */
function gather(parts: readonly (Uint8Array | string)[]): number {
  let length = 0;
  for (const p of parts) length += typeof p === "string" ? Buffer.byteLength(p, "utf8") : p.length;
  const buf = ensureScratch(length + 72);
  let pos = 0;
  for (const p of parts) {
    if (typeof p === "string") pos += buf.write(p, pos, "utf8");
    else {
      buf.set(p, pos);
      pos += p.length;
    }
  }
  return length;
}

/**
 * MD5 of the parts concatenated, into `out` at `outOffset` (a new 16-octet Buffer by default).
 * Octets `zeroFrom` to `zeroTo` of the concatenation are hashed as zeroes (a request's
 * Authenticator field) without touching the caller's buffers.
 */
export function md5Concat(
  parts: readonly (Uint8Array | string)[],
  out?: Uint8Array,
  outOffset = 0,
  zeroFrom = 0,
  zeroTo = 0,
): Buffer {
  const length = gather(parts);
  if (zeroTo > zeroFrom) scratch.fill(0, zeroFrom, zeroTo);
  state.set(INIT);
  const target = out ?? Buffer.allocUnsafe(16);
  finish(state, length, 0, target, outOffset);
  return target as Buffer;
}

/** An HMAC-MD5 key with its pad blocks already compressed (RFC 2104). */
export class HmacMd5Key {
  readonly inner = new Int32Array(4);
  readonly outer = new Int32Array(4);

  constructor(key: Uint8Array | string) {
    let k = typeof key === "string" ? Buffer.from(key, "utf8") : key;
    if (k.length > 64) k = md5Concat([k]);
    const block = new Uint8Array(64);
    for (const [s, pad] of [
      [this.inner, 0x36],
      [this.outer, 0x5c],
    ] as const) {
      block.fill(pad);
      for (let i = 0; i < k.length; i++) block[i] = (k[i] as number) ^ pad;
      s.set(INIT);
      compress(s, block, 0);
    }
  }
}

const innerDigest = new Uint8Array(16);

/** Constant-time comparison of 16 octets at two offsets (no subarray objects on the hot path). */
export function equal16(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number): boolean {
  if (aOffset + 16 > a.length || bOffset + 16 > b.length) return false;
  let diff = 0;
  for (let i = 0; i < 16; i++) diff |= (a[aOffset + i] as number) ^ (b[bOffset + i] as number);
  return diff === 0;
}

/**
 * HMAC-MD5 of `data` into `out` at `outOffset` (a new Buffer by default). `zeroFrom`/`zeroTo`
 * (and the second pair) are ranges of `data` hashed as zero octets, so a caller can check a
 * Message-Authenticator without blanking the packet itself.
 */
export function hmacMd5With(
  key: HmacMd5Key,
  data: Uint8Array,
  out?: Uint8Array,
  outOffset = 0,
  zeroFrom = 0,
  zeroTo = 0,
  zero2From = 0,
  zero2To = 0,
): Buffer {
  const length = data.length;
  const buf = ensureScratch(length + 72);
  buf.set(data, 0);
  if (zeroTo > zeroFrom) buf.fill(0, zeroFrom, zeroTo);
  if (zero2To > zero2From) buf.fill(0, zero2From, zero2To);
  state.set(key.inner);
  finish(state, length, 64, innerDigest, 0);
  buf.set(innerDigest, 0);
  state.set(key.outer);
  const target = out ?? Buffer.allocUnsafe(16);
  finish(state, 16, 64, target, outOffset);
  return target as Buffer;
}
