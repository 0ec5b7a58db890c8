import type { Db } from "@proxpanel/db";
import type { AuthResult } from "@proxpanel/radius";
import type { TenantCache } from "./tenant-cache.ts";

/**
 * The per-tenant auth log, written in batches off the hot path: a reply never waits for it, and a
 * failed write loses log lines, never answers.
 */
export class AuthLogWriter {
  private queue: AuthResult[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly cache: TenantCache,
    private readonly onError: (err: unknown, where: string) => void,
    private readonly opts: { maxBatch: number; maxDelayMs: number; maxQueued: number } = {
      maxBatch: 500,
      maxDelayMs: 200,
      maxQueued: 50_000,
    },
  ) {}

  add(result: AuthResult): void {
    // A database outage must not turn into unbounded memory growth.
    if (this.queue.length >= this.opts.maxQueued) return;
    this.queue.push(result);
    if (this.queue.length >= this.opts.maxBatch) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.opts.maxDelayMs);
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.queue;
    this.queue = [];
    if (batch.length) this.flushing = this.flushing.then(() => this.write(batch));
    return this.flushing;
  }

  private async write(batch: AuthResult[]): Promise<void> {
    const byTenant = new Map<string, AuthResult[]>();
    for (const r of batch) {
      const list = byTenant.get(r.tenantId);
      if (list) list.push(r);
      else byTenant.set(r.tenantId, [r]);
    }
    await Promise.all(
      [...byTenant].map(async ([tenantId, results]) => {
        try {
          const snap = await this.cache.get(tenantId);
          if (!snap) return;
          await this.db.insert(snap.t.authLogs).values(
            results.map((r) => ({
              username: r.username.slice(0, 253),
              subscriberId: this.cache.find(snap, r.username)?.row.id ?? null,
              nasId: r.nasId,
              result: r.accepted ? ("accept" as const) : ("reject" as const),
              reason: r.reason ?? null,
              method: r.method,
              callingStationId: r.callingStationId ?? null,
              createdAt: r.at,
            })),
          );
        } catch (err) {
          this.onError(err, "auth log write");
        }
      }),
    );
  }
}
