import type { Db } from "@proxpanel/db";
import type { AuthResult } from "@proxpanel/radius";
import { sql } from "drizzle-orm";
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
          // One JSON parameter rather than eight bound parameters per row: building and binding
          // 4,000 parameters per batch cost the daemon more CPU than answering the requests.
          const rows = JSON.stringify(
            results.map((r) => [
              r.username.slice(0, 253),
              this.cache.find(snap, r.username)?.row.id ?? null,
              r.nasId,
              r.accepted ? "accept" : "reject",
              r.reason ?? null,
              r.method,
              r.callingStationId ?? null,
              r.at,
            ]),
          );
          await this.db.execute(sql`
            insert into ${snap.t.authLogs} (username, subscriber_id, nas_id, result, reason, method,
              calling_station_id, created_at)
            select e->>0, (e->>1)::uuid, (e->>2)::uuid, e->>3, e->>4, e->>5, e->>6, (e->>7)::timestamptz
            from jsonb_array_elements(${rows}::jsonb) as e`);
        } catch (err) {
          this.onError(err, "auth log write");
        }
      }),
    );
  }
}
