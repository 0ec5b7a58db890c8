import type { Db } from "@proxpanel/db";
import type { AccountingRecord } from "@proxpanel/radius";
import { inArray, sql } from "drizzle-orm";
import { mergeRow, type SessionRow, toRow } from "./session-rows.ts";
import type { TenantCache, TenantSnapshot } from "./tenant-cache.ts";

interface Pending {
  record: AccountingRecord;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface SinkOptions {
  /** A record waits at most this long for companions before its batch is written. */
  maxDelayMs: number;
  maxBatch: number;
  /** Beyond this, new records are refused at once: the NAS keeps them and retransmits. */
  maxQueued: number;
}

interface Usage {
  bytesIn: number;
  bytesOut: number;
  seen: Date;
}

/**
 * Accounting into each tenant's radacct, one transaction per tenant per batch. A record's promise
 * settles only when its transaction has committed, so the Accounting-Response means durable.
 * Batches run one after another: usage deltas are computed against the rows as they stand, which
 * two overlapping batches for the same session would both read.
 */
export class AccountingSink {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly cache: TenantCache,
    private readonly opts: SinkOptions = { maxDelayMs: 50, maxBatch: 500, maxQueued: 100_000 },
  ) {}

  add(record: AccountingRecord): Promise<void> {
    if (this.queue.length >= this.opts.maxQueued) return Promise.reject(new Error("accounting queue full"));
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (this.queue.length >= this.opts.maxBatch) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), this.opts.maxDelayMs);
    });
  }

  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.opts.maxBatch);
      this.chain = this.chain.then(() => this.write(batch));
    }
    return this.chain;
  }

  private async write(batch: Pending[]): Promise<void> {
    const byTenant = new Map<string, Pending[]>();
    for (const p of batch) {
      const list = byTenant.get(p.record.tenantId);
      if (list) list.push(p);
      else byTenant.set(p.record.tenantId, [p]);
    }
    await Promise.all(
      [...byTenant].map(async ([tenantId, items]) => {
        try {
          await this.writeTenant(tenantId, items);
          for (const p of items) p.resolve();
        } catch (err) {
          for (const p of items) p.reject(err);
        }
      }),
    );
  }

  private async writeTenant(tenantId: string, items: Pending[]): Promise<void> {
    const snap = await this.cache.get(tenantId);
    // A tenant deleted meanwhile: nothing to write to; answering stops the NAS retransmitting.
    if (!snap) return;
    const resets = items.filter((p) => p.record.status === "Accounting-On" || p.record.status === "Accounting-Off");
    const rows = new Map<string, SessionRow>();
    for (const { record } of items) {
      if (!record.sessionId || !record.username) continue;
      if (record.status !== "Start" && record.status !== "Interim-Update" && record.status !== "Stop") continue;
      const row = toRow(record, this.cache.find(snap, record.username)?.row.id ?? null);
      const prev = rows.get(row.acctUniqueId);
      rows.set(row.acctUniqueId, prev ? mergeRow(prev, row) : row);
    }
    if (!resets.length && !rows.size) return;
    const usage = await this.db.transaction(async (tx) => {
      for (const { record } of resets) await closeNasSessions(tx, snap, record);
      return rows.size ? upsertSessions(tx, snap, [...rows.values()]) : new Map<string, Usage>();
    });
    for (const [id, u] of usage) this.cache.addUsage(tenantId, id, u.bytesIn, u.bytesOut);
    for (const row of rows.values()) {
      if (!row.stopTime || !row.subscriberId) continue;
      const sub = snap.byId.get(row.subscriberId);
      if (sub && sub.lease === row.framedIpAddress) sub.lease = undefined;
    }
  }
}

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

/** Accounting-On/Off: the NAS rebooted, so every session it had open is over. */
async function closeNasSessions(tx: Tx, snap: TenantSnapshot, r: AccountingRecord): Promise<void> {
  const a = snap.t.radacct;
  await tx.execute(sql`
    update ${a} set stop_time = ${r.receivedAt.toISOString()}::timestamptz, terminate_cause = 'NAS-Reboot'
    where nas_id = ${r.nasId}::uuid and stop_time is null and start_time <= ${r.receivedAt.toISOString()}::timestamptz`);
}

async function upsertSessions(tx: Tx, snap: TenantSnapshot, rows: SessionRow[]): Promise<Map<string, Usage>> {
  const a = snap.t.radacct;
  const keys = rows.map((r) => r.acctUniqueId);
  const before = await tx
    .select({ key: a.acctUniqueId, inputOctets: a.inputOctets, outputOctets: a.outputOctets })
    .from(a)
    .where(inArray(a.acctUniqueId, keys))
    .for("update");
  const old = new Map(before.map((b) => [b.key, b]));
  await tx
    .insert(a)
    .values(rows)
    .onConflictDoUpdate({
      target: a.acctUniqueId,
      // Interim and Stop may arrive in any order; counters and times only move forward.
      set: {
        subscriberId: sql`coalesce(radacct.subscriber_id, excluded.subscriber_id)`,
        startTime: sql`least(radacct.start_time, excluded.start_time)`,
        updateTime: sql`greatest(radacct.update_time, excluded.update_time)`,
        stopTime: sql`coalesce(radacct.stop_time, excluded.stop_time)`,
        sessionTime: sql`greatest(radacct.session_time, excluded.session_time)`,
        inputOctets: sql`greatest(radacct.input_octets, excluded.input_octets)`,
        outputOctets: sql`greatest(radacct.output_octets, excluded.output_octets)`,
        terminateCause: sql`coalesce(excluded.terminate_cause, radacct.terminate_cause)`,
        framedIpAddress: sql`coalesce(excluded.framed_ip_address, radacct.framed_ip_address)`,
        callingStationId: sql`coalesce(excluded.calling_station_id, radacct.calling_station_id)`,
        nasPortId: sql`coalesce(excluded.nas_port_id, radacct.nas_port_id)`,
      },
    });
  const usage = new Map<string, Usage>();
  for (const r of rows) {
    if (!r.subscriberId) continue;
    const o = old.get(r.acctUniqueId);
    const u = usage.get(r.subscriberId) ?? { bytesIn: 0, bytesOut: 0, seen: r.updateTime };
    u.bytesIn += Math.max(0, r.inputOctets - (o?.inputOctets ?? 0));
    u.bytesOut += Math.max(0, r.outputOctets - (o?.outputOctets ?? 0));
    if (r.updateTime > u.seen) u.seen = r.updateTime;
    usage.set(r.subscriberId, u);
  }
  if (usage.size) {
    const values = sql.join(
      [...usage].map(
        ([id, u]) =>
          sql`(${id}::uuid, ${u.bytesIn}::bigint, ${u.bytesOut}::bigint, ${u.seen.toISOString()}::timestamptz)`,
      ),
      sql`, `,
    );
    await tx.execute(sql`
      update ${snap.t.subscribers} as s
      set bytes_in = s.bytes_in + v.din, bytes_out = s.bytes_out + v.dout,
          last_seen_at = greatest(s.last_seen_at, v.seen)
      from (values ${values}) as v(id, din, dout, seen) where s.id = v.id`);
  }
  const stops = rows.filter((r) => r.stopTime && r.subscriberId && r.framedIpAddress);
  for (const r of stops) {
    // Pool addresses go back on Stop; static addresses have no allocation row and match nothing.
    await tx.execute(sql`
      update ${snap.t.ipAllocations} set subscriber_id = null, session_id = null, allocated_at = null
      where subscriber_id = ${r.subscriberId}::uuid and address = ${r.framedIpAddress}::inet`);
  }
  return usage;
}
