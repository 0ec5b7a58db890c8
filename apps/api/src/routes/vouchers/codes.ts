import { randomInt } from "node:crypto";

/** No 0/O, 1/I/L: codes are read off paper and typed on a phone. */
export const DEFAULT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";
export const DEFAULT_CODE_LENGTH = 10;
/**
 * The least guessing work a code may take. A hotspot login page is open to anyone in range, so a
 * short code from a small alphabet could be found by trying; 2^32 tries is out of reach through a
 * NAS's RADIUS round trips.
 */
export const MIN_CODE_BITS = 32;

export const codeBits = (alphabet: string, length: number) => Math.log2(alphabet.length) * length;

/** One code: the prefix, then `length` characters drawn uniformly (crypto.randomInt, no modulo bias). */
export function randomCode(prefix: string, alphabet: string, length: number): string {
  let s = prefix;
  for (let i = 0; i < length; i++) s += alphabet[randomInt(alphabet.length)];
  return s;
}

/** `n` codes distinct case-insensitively (the database's uniqueness rule), none of them in `taken`. */
export function freshCodes(
  n: number,
  prefix: string,
  alphabet: string,
  length: number,
  taken: ReadonlySet<string> = new Set(),
): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  // Bounded: with at least 2^32 possible codes a clash is rare; a tiny space is refused earlier.
  for (let tries = 0; out.length < n && tries < n * 20; tries++) {
    const c = randomCode(prefix, alphabet, length);
    const k = c.toLowerCase();
    if (seen.has(k) || taken.has(k)) continue;
    seen.add(k);
    out.push(c);
  }
  return out;
}
