/**
 * Retransmissions from a NAS reuse identifier and authenticator: answer them from here instead
 * of evaluating (or recording accounting) twice. An entry without a reply is still in flight;
 * its duplicates are dropped because the original's reply will answer the NAS.
 */
export class DuplicateCache {
  // Map keeps insertion order, so expiry walks from the front.
  private readonly entries = new Map<string, { at: number; reply: Buffer | undefined }>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 200_000,
  ) {}

  static key(nasId: string, code: number, identifier: number, authenticator: Buffer): string {
    return `${nasId}\0${code}\0${identifier}\0${authenticator.toString("latin1")}`;
  }

  /** undefined: new request (now marked in flight); otherwise the cached state. */
  check(key: string, now: number): { reply: Buffer | undefined } | undefined {
    this.expire(now);
    const hit = this.entries.get(key);
    if (hit) return { reply: hit.reply };
    this.entries.set(key, { at: now, reply: undefined });
    return undefined;
  }

  complete(key: string, reply: Buffer): void {
    const e = this.entries.get(key);
    if (e) e.reply = reply;
  }

  /** Forget a request that got no reply (e.g. the accounting sink failed) so a retry is evaluated. */
  forget(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private expire(now: number): void {
    for (const [k, e] of this.entries) {
      if (now - e.at < this.windowMs && this.entries.size < this.maxEntries) break;
      this.entries.delete(k);
    }
  }
}
