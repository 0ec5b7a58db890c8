import type { Db } from "@proxpanel/db";
import { accountingBatchSize, accountingFlushSeconds } from "@proxpanel/metrics/radius";
import type { AccountingRecord } from "@proxpanel/radius";
import { sql } from "drizzle-orm";
import type { SessionChange } from "./open-sessions.ts";
import { mergeRow, type SessionRow, toRow } from "./session-rows.ts";
import type { TenantCache, TenantSnapshot } from "./tenant-cache.ts";
import { type PriorSession, type SessionTraffic, sessionTraffic, trafficBuckets, trafficCtes } from "./traffic.ts";
import { applyVoucherUse, recordVoucherUse, type VoucherUse } from "./vouchers.ts";

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
  /** Batch transactions in flight at once (each holds one pooled connection). */
  maxConcurrent: number;
  /** Session rates and the traffic roll-ups (traffic.ts); off only to measure what they cost. */
  trafficRollups: boolean;
}

interface Usage {
  bytesIn: number;
  bytesOut: number;
  seen: Date;
}

/** What a batch touches: the tenant's users, or the whole tenant for Accounting-On/Off. */
interface Write {
  users: Set<string>;
  wholeTenants: Set<string>;
  tenants: Set<string>;
  done: Promise<void>;
}

const DEFAULTS: SinkOptions = {
  maxDelayMs: 50,
  maxBatch: 2000,
  maxQueued: 100_000,
  maxConcurrent: 4,
  trafficRollups: true,
};

/**
 * Accounting into each tenant's radacct, one transaction per tenant per batch. A record's promise
 * settles only when its transaction has committed, so the Accounting-Response means durable.
 *
 * Batches are written side by side (one round trip's latency per batch capped throughput at a
 * few thousand packets/s), except that a batch waits for every earlier one touching the same
 * tenant user: usage deltas are computed against the rows as they stand, which two overlapping
 * batches for the same session would both read, and two transactions updating the same
 * subscriber rows in different orders could deadlock. An Accounting-On/Off waits for its whole
 * tenant.
 */
export class AccountingSink {
  private queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Set<Write>();
  private readonly opts: SinkOptions;

  constructor(
    private readonly db: Db,
    private readonly cache: TenantCache,
    opts: Partial<SinkOptions> = {},
  ) {
    this.opts = { ...DEFAULTS, ...opts };
  }

  add(record: AccountingRecord): Promise<void> {
    if (this.queue.length >= this.opts.maxQueued) return Promise.reject(new Error("accounting queue full"));
    return new Promise((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      if (this.queue.length >= this.opts.maxBatch) this.pump();
      else this.timer ??= setTimeout(() => this.pump(), this.opts.maxDelayMs);
    });
  }

  /**
   * Starts batches while there is room. With every slot taken the queue keeps growing, so under
   * load batches get bigger (fewer commits per record) instead of more numerous; the next write
   * to finish pumps again.
   */
  private pump(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length && this.running.size < this.opts.maxConcurrent) {
      const batch = this.queue.slice(0, this.opts.maxBatch);
      const w = touches(batch);
      // A batch that would only wait behind a running one keeps collecting instead, unless full:
      // cutting it now would just mean more, smaller commits.
      if (batch.length < this.opts.maxBatch && [...this.running].some((r) => overlaps(r, w))) return;
      this.queue.splice(0, batch.length);
      this.start(batch, w);
    }
  }

  /** Writes everything queued now and waits for every write in flight (tests, shutdown). */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.queue.length) this.start(this.queue.splice(0, this.opts.maxBatch));
    return Promise.all([...this.running].map((w) => w.done)).then(() => undefined);
  }

  private start(batch: Pending[], w: Write = touches(batch)): void {
    const earlier = [...this.running];
    const deps = earlier.filter((e) => overlaps(e, w));
    // Beyond the concurrency cap, the new batch also queues behind the oldest one in flight.
    const oldest = earlier[0];
    if (oldest && earlier.length >= this.opts.maxConcurrent && !deps.includes(oldest)) deps.push(oldest);
    w.done = (deps.length ? Promise.all(deps.map((d) => d.done)) : Promise.resolve())
      .then(() => this.timed(batch))
      .finally(() => {
        this.running.delete(w);
        if (this.queue.length) this.pump();
      });
    this.running.add(w);
  }

  /** The write, measured from when it may start (not while it waits behind earlier batches). */
  private async timed(batch: Pending[]): Promise<void> {
    accountingBatchSize.observe(batch.length);
    const end = accountingFlushSeconds.startTimer();
    const stored = await this.write(batch).catch((err: unknown) => {
      end({ outcome: "failed" });
      throw err;
    });
    end({ outcome: stored ? "ok" : "failed" });
  }

  /** false when some tenant's transaction failed (those records' NAS retransmit). */
  private async write(batch: Pending[]): Promise<boolean> {
    const byTenant = new Map<string, Pending[]>();
    for (const p of batch) {
      const list = byTenant.get(p.record.tenantId);
      if (list) list.push(p);
      else byTenant.set(p.record.tenantId, [p]);
    }
    const results = await Promise.all(
      [...byTenant].map(async ([tenantId, items]) => {
        try {
          await this.writeTenant(tenantId, items);
          for (const p of items) p.resolve();
          return true;
        } catch (err) {
          for (const p of items) p.reject(err);
          return false;
        }
      }),
    );
    return results.every(Boolean);
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
    let voucherUse: VoucherUse[] = [];
    const { usage, open } = await this.db.transaction(async (tx) => {
      for (const { record } of resets) await closeNasSessions(tx, snap, record);
      voucherUse = await recordVoucherUse(tx, snap, rows);
      return rows.size
        ? upsertSessions(tx, snap, [...rows.values()], this.opts.trafficRollups)
        : { usage: new Map<string, Usage>(), open: [] };
    });
    for (const [id, u] of usage) this.cache.addUsage(tenantId, id, u.bytesIn, u.bytesOut);
    this.cache.applySessions(tenantId, [
      ...resets.map((p): SessionChange => ({ kind: "nas-reset", nasId: p.record.nasId, at: p.record.receivedAt })),
      ...sessionChanges(rows, open),
    ]);
    applyVoucherUse(this.cache.loaded(tenantId), voucherUse);
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

/** What the upsert left of each session: open or not, by the row as stored (Stop may have come first). */
type Stored = {
  key: string;
  subscriber_id: string | null;
  open: boolean;
  start_time: string;
  update_time: string | null;
};

function sessionChanges(rows: Map<string, SessionRow>, stored: Stored[]): SessionChange[] {
  const changes: SessionChange[] = [];
  for (const s of stored) {
    const row = rows.get(s.key);
    if (!row || !s.subscriber_id) continue;
    if (!s.open) {
      changes.push({ kind: "close", subscriberId: s.subscriber_id, key: s.key });
      continue;
    }
    const startTime = new Date(s.start_time);
    changes.push({
      kind: "open",
      subscriberId: s.subscriber_id,
      key: s.key,
      session: {
        nasId: row.nasId,
        sessionId: row.acctSessionId,
        username: row.username,
        framedIp: row.framedIpAddress,
        startTime,
        updateTime: s.update_time ? new Date(s.update_time) : startTime,
      },
    });
  }
  return changes;
}

async function upsertSessions(
  tx: Tx,
  snap: TenantSnapshot,
  rows: SessionRow[],
  rollups: boolean,
): Promise<{ usage: Map<string, Usage>; open: Stored[] }> {
  const a = snap.t.radacct;
  const keys = rows.map((r) => r.acctUniqueId);
  const before = await tx.execute<{
    key: string;
    input_octets: string;
    output_octets: string;
    update_time: string | null;
  }>(sql`
    select acct_unique_id as key, input_octets, output_octets, update_time from ${a}
    where acct_unique_id in (select jsonb_array_elements_text(${JSON.stringify(keys)}::jsonb))
    for update`);
  const old = new Map<string, PriorSession>(
    before.map((b) => [
      b.key,
      {
        inputOctets: Number(b.input_octets),
        outputOctets: Number(b.output_octets),
        updateTime: b.update_time === null ? null : new Date(b.update_time),
      },
    ]),
  );
  const traffic = new Map<string, SessionTraffic>();
  if (rollups) for (const r of rows) traffic.set(r.acctUniqueId, sessionTraffic(r, old.get(r.acctUniqueId)));
  // One JSON parameter unpacked by PostgreSQL rather than 16 bound parameters per row: building
  // and binding thousands of parameters per batch costs the daemon more CPU than the write. Rows
  // go as arrays, not objects: half the octets to stringify, send and parse.
  const payload = JSON.stringify(
    rows.map((r) => [
      r.acctUniqueId,
      r.acctSessionId,
      r.username,
      r.subscriberId,
      r.nasId,
      r.nasIpAddress,
      r.nasPortId,
      r.framedIpAddress,
      r.callingStationId,
      r.startTime,
      r.updateTime,
      r.stopTime,
      r.sessionTime,
      r.inputOctets,
      r.outputOctets,
      r.terminateCause,
      traffic.get(r.acctUniqueId)?.rateIn ?? null,
      traffic.get(r.acctUniqueId)?.rateOut ?? null,
      r.framedIpv6Prefix,
      r.delegatedIpv6Prefix,
      r.framedInterfaceId,
    ]),
  );
  // Interim and Stop may arrive in any order; counters and times only move forward.
  // What it returns feeds the daemon's open-session counts (Simultaneous-Use).
  const open = await tx.execute<Stored>(sql`
    insert into ${a} as radacct (acct_unique_id, acct_session_id, username, subscriber_id, nas_id, nas_ip_address,
      nas_port_id, framed_ip_address, calling_station_id, start_time, update_time, stop_time, session_time,
      input_octets, output_octets, terminate_cause, rate_in, rate_out, framed_ipv6_prefix, delegated_ipv6_prefix,
      framed_interface_id)
    select e->>0, e->>1, e->>2, (e->>3)::uuid, (e->>4)::uuid, (e->>5)::inet, e->>6, (e->>7)::inet, e->>8,
      (e->>9)::timestamptz, (e->>10)::timestamptz, (e->>11)::timestamptz, (e->>12)::integer, (e->>13)::bigint,
      (e->>14)::bigint, e->>15, (e->>16)::bigint, (e->>17)::bigint, (e->>18)::cidr, (e->>19)::cidr, e->>20
    from jsonb_array_elements(${payload}::jsonb) as e
    on conflict (acct_unique_id) do update set
      subscriber_id = coalesce(radacct.subscriber_id, excluded.subscriber_id),
      start_time = least(radacct.start_time, excluded.start_time),
      update_time = greatest(radacct.update_time, excluded.update_time),
      stop_time = coalesce(radacct.stop_time, excluded.stop_time),
      session_time = greatest(radacct.session_time, excluded.session_time),
      input_octets = greatest(radacct.input_octets, excluded.input_octets),
      output_octets = greatest(radacct.output_octets, excluded.output_octets),
      terminate_cause = coalesce(excluded.terminate_cause, radacct.terminate_cause),
      framed_ip_address = coalesce(excluded.framed_ip_address, radacct.framed_ip_address),
      calling_station_id = coalesce(excluded.calling_station_id, radacct.calling_station_id),
      nas_port_id = coalesce(excluded.nas_port_id, radacct.nas_port_id),
      rate_in = case when excluded.update_time >= coalesce(radacct.update_time, excluded.update_time)
        then coalesce(excluded.rate_in, radacct.rate_in) else radacct.rate_in end,
      rate_out = case when excluded.update_time >= coalesce(radacct.update_time, excluded.update_time)
        then coalesce(excluded.rate_out, radacct.rate_out) else radacct.rate_out end,
      framed_ipv6_prefix = coalesce(excluded.framed_ipv6_prefix, radacct.framed_ipv6_prefix),
      delegated_ipv6_prefix = coalesce(excluded.delegated_ipv6_prefix, radacct.delegated_ipv6_prefix),
      framed_interface_id = coalesce(excluded.framed_interface_id, radacct.framed_interface_id)
    returning acct_unique_id as key, subscriber_id, stop_time is null as open, start_time, update_time`);
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
    // JSON again rather than four bound parameters per subscriber. The time goes as epoch seconds:
    // to_timestamp(float8) is immutable where a text-to-timestamptz cast is only stable, and Citus
    // refuses a stable function next to column references in an UPDATE. The traffic buckets ride
    // in the same statement (every delta there belongs to a subscriber here).
    const deltas = JSON.stringify([...usage].map(([id, u]) => [id, u.bytesIn, u.bytesOut, u.seen.getTime() / 1000]));
    const { five, hour } = rollups ? trafficBuckets(rows, traffic) : { five: [], hour: [] };
    await tx.execute(sql`
      with ${trafficCtes(snap.t, five, hour)} d as (select jsonb_array_elements(${deltas}::jsonb) as v)
      update ${snap.t.subscribers} as s
      set bytes_in = s.bytes_in + (v->>1)::bigint, bytes_out = s.bytes_out + (v->>2)::bigint,
          last_seen_at = greatest(s.last_seen_at, to_timestamp((v->>3)::float8))
      from d where s.id = (v->>0)::uuid`);
  }
  const stops = rows.filter((r) => r.stopTime && r.subscriberId && r.framedIpAddress);
  for (const r of stops) {
    // Pool addresses go back on Stop; static addresses have no allocation row and match nothing.
    await tx.execute(sql`
      update ${snap.t.ipAllocations} set subscriber_id = null, session_id = null, allocated_at = null
      where subscriber_id = ${r.subscriberId}::uuid and address = ${r.framedIpAddress}::inet`);
  }
  return { usage, open: [...open] };
}

function touches(batch: Pending[]): Write {
  const w: Write = { users: new Set(), wholeTenants: new Set(), tenants: new Set(), done: Promise.resolve() };
  for (const { record: r } of batch) {
    w.tenants.add(r.tenantId);
    if (r.status === "Accounting-On" || r.status === "Accounting-Off") w.wholeTenants.add(r.tenantId);
    else w.users.add(userKey(r.tenantId, r.username));
  }
  return w;
}

const userKey = (tenantId: string, username: string | undefined) => `${tenantId}/${(username ?? "").toLowerCase()}`;

function overlaps(a: Write, b: Write): boolean {
  for (const t of a.wholeTenants) if (b.tenants.has(t)) return true;
  for (const t of b.wholeTenants) if (a.tenants.has(t)) return true;
  const [small, large] = a.users.size < b.users.size ? [a.users, b.users] : [b.users, a.users];
  for (const u of small) if (large.has(u)) return true;
  return false;
}
