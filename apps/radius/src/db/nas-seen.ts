import { type Db, nasHealth } from "@proxpanel/db";
import type { NasRecord } from "@proxpanel/radius";
import { sql } from "drizzle-orm";

interface Seen {
  tenantId: string;
  /** ms since epoch; 0 = nothing new since the last flush. */
  seen: number;
  acct: number;
}

/**
 * Each NAS's last packet, noted in memory per packet and written to `nas_health` every few
 * seconds in one statement for all NAS: a write per packet would cost more than the packet.
 * The worker reads these times to tell a silent NAS (apps/worker/src/nas-health.ts).
 */
export class NasSeenRecorder {
  private readonly pending = new Map<string, Seen>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly onError: (err: unknown, where: string) => void,
    private readonly everyMs = 5_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.everyMs);
    this.timer.unref();
  }

  /** The hot path: a map lookup and two numbers. */
  mark(nas: NasRecord, kind: "auth" | "acct"): void {
    const now = Date.now();
    let s = this.pending.get(nas.nasId);
    if (!s) {
      s = { tenantId: nas.tenantId, seen: 0, acct: 0 };
      this.pending.set(nas.nasId, s);
    }
    s.seen = now;
    if (kind === "acct") s.acct = now;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Writes what is new since the last flush; a failed write keeps nothing (the next packet re-marks). */
  flush(): Promise<void> {
    const rows: Array<[string, string, string, string | null]> = [];
    for (const [nasId, s] of this.pending) {
      if (!s.seen) continue;
      rows.push([nasId, s.tenantId, new Date(s.seen).toISOString(), s.acct ? new Date(s.acct).toISOString() : null]);
      s.seen = 0;
      s.acct = 0;
    }
    if (!rows.length) return this.flushing;
    this.flushing = this.flushing.then(() => this.write(rows)).catch((err: unknown) => this.onError(err, "nas seen"));
    return this.flushing;
  }

  private async write(rows: Array<[string, string, string, string | null]>): Promise<void> {
    // Times only move forward: two daemons (or a slow flush) must not set a NAS back.
    await this.db.execute(sql`
      insert into ${nasHealth} as h (nas_id, tenant_id, last_seen_at, last_acct_at)
      select (e->>0)::uuid, (e->>1)::uuid, (e->>2)::timestamptz, (e->>3)::timestamptz
      from jsonb_array_elements(${JSON.stringify(rows)}::jsonb) as e
      on conflict (nas_id) do update set
        last_seen_at = greatest(h.last_seen_at, excluded.last_seen_at),
        last_acct_at = greatest(h.last_acct_at, excluded.last_acct_at)`);
  }
}
