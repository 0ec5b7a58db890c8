/** Identifies one request: NAS, code, identifier and Request Authenticator. */
export interface DedupKey {
  readonly hash: number;
  readonly nasId: string;
  readonly code: number;
  readonly identifier: number;
  readonly authenticator: Buffer;
}

interface Entry {
  key: DedupKey;
  at: number;
  reply: Buffer | undefined;
}

/**
 * Retransmissions from a NAS reuse identifier and authenticator: answer them from here instead
 * of evaluating (or recording accounting) twice. An entry without a reply is still in flight;
 * its duplicates are dropped because the original's reply will answer the NAS.
 *
 * Entries are found by a 53-bit number hashed from the key's fields (a string key built from the
 * authenticator's octets showed in profiles) and then compared field by field, so a hash
 * collision never hands one request another's reply: the newer request simply takes the slot.
 */
export class DuplicateCache {
  // Map keeps insertion order, so expiry walks from the front.
  private readonly entries = new Map<number, Entry>();
  private lastExpiry = 0;

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 200_000,
  ) {}

  static key(nasId: string, code: number, identifier: number, authenticator: Buffer): DedupKey {
    let lo = code | (identifier << 8);
    let hi = 0x811c9dc5;
    for (let i = 0; i < nasId.length; i++) hi = Math.imul(hi ^ nasId.charCodeAt(i), 16777619);
    for (let i = 0; i < authenticator.length; i++) {
      const b = authenticator[i] as number;
      if (i & 1) lo = Math.imul(lo ^ b, 16777619);
      else hi = Math.imul(hi ^ b, 16777619);
    }
    return { hash: (hi >>> 0) * 0x200000 + ((lo >>> 0) & 0x1fffff), nasId, code, identifier, authenticator };
  }

  /** undefined: new request (now marked in flight); otherwise the cached state. */
  check(key: DedupKey, now: number): { reply: Buffer | undefined } | undefined {
    this.expire(now);
    const hit = this.entries.get(key.hash);
    if (hit && sameRequest(hit.key, key)) return { reply: hit.reply };
    if (hit) this.entries.delete(key.hash);
    this.entries.set(key.hash, { key, at: now, reply: undefined });
    return undefined;
  }

  complete(key: DedupKey, reply: Buffer): void {
    const e = this.entries.get(key.hash);
    if (e && sameRequest(e.key, key)) e.reply = reply;
  }

  /** Forget a request that got no reply (e.g. the accounting sink failed) so a retry is evaluated. */
  forget(key: DedupKey): void {
    const e = this.entries.get(key.hash);
    if (e && sameRequest(e.key, key)) this.entries.delete(key.hash);
  }

  get size(): number {
    return this.entries.size;
  }

  private expire(now: number): void {
    // Walking the map's front every packet showed in profiles; entries may outlive the window
    // by this much, which only means a late retransmission still gets its cached reply.
    if (now - this.lastExpiry < 50 && this.entries.size < this.maxEntries) return;
    this.lastExpiry = now;
    for (const [k, e] of this.entries) {
      if (now - e.at < this.windowMs && this.entries.size < this.maxEntries) break;
      this.entries.delete(k);
    }
  }
}

function sameRequest(a: DedupKey, b: DedupKey): boolean {
  return (
    a === b ||
    (a.nasId === b.nasId &&
      a.code === b.code &&
      a.identifier === b.identifier &&
      a.authenticator.equals(b.authenticator))
  );
}
