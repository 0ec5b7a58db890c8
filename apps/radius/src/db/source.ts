import type { Db } from "@proxpanel/db";
import {
  type AccountingRecord,
  type AttributeList,
  type AuthResult,
  type MaybePromise,
  type NasRecord,
  type OpenSessionRef,
  type RadiusDataSource,
  type SubscriberRecord,
  sendDisconnect,
} from "@proxpanel/radius";
import { INVALIDATION_CHANNEL, type SharedState, type TenantKeyRing } from "@proxpanel/tenancy";
import { sql } from "drizzle-orm";
import { AccountingSink, type SinkOptions } from "./accounting-sink.ts";
import { AuthLogWriter } from "./auth-log.ts";
import { NasSeenRecorder } from "./nas-seen.ts";
import { NasTable } from "./nas-table.ts";
import { TenantCache } from "./tenant-cache.ts";
import { startVoucher } from "./vouchers.ts";

/** Published by the API (apps/api/src/routes/nas/nas.ts) after a NAS change commits. */
export const NAS_CHANNEL = "proxpanel:radius:nas";
/** Published by the API after a subscriber or plan change commits: `{ tenantId, subscriberId? }`. */
export const SUBSCRIBER_CHANNEL = "proxpanel:radius:subscriber";

export interface DbSourceOptions {
  db: Db;
  keys: TenantKeyRing;
  state: SharedState;
  onError?: (err: unknown, where: string) => void;
  /** Full reload of NAS routes and cached tenants, in case a bus message was lost (Redis reconnect). */
  refreshIntervalMs?: number;
  accounting?: Partial<SinkOptions>;
  /** How often each NAS's last-seen time is written (ms). */
  seenFlushMs?: number;
}

/**
 * RadiusDataSource over PostgreSQL. NAS routes and each tenant's subscribers live in memory and
 * are reloaded when the API announces a change, so auth needs no query per packet; only pool
 * allocation, MAC locking, a voucher's first login and the batched writes touch the database.
 */
export class DbDataSource implements RadiusDataSource {
  readonly nas: NasTable;
  readonly tenants: TenantCache;
  readonly seen: NasSeenRecorder;
  private readonly sink: AccountingSink;
  private readonly authLog: AuthLogWriter;
  private readonly onError: (err: unknown, where: string) => void;
  private unsubscribers: Array<() => Promise<void>> = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly opts: DbSourceOptions) {
    this.onError = opts.onError ?? (() => {});
    this.nas = new NasTable(opts.db, opts.keys, this.onError);
    this.tenants = new TenantCache(opts.db, opts.keys, this.onError);
    this.sink = new AccountingSink(opts.db, this.tenants, opts.accounting);
    this.authLog = new AuthLogWriter(opts.db, this.tenants, this.onError);
    this.seen = new NasSeenRecorder(opts.db, this.onError, opts.seenFlushMs);
  }

  async start(): Promise<void> {
    const { state } = this.opts;
    // Messages may have been lost (the bus reconnected): everything cached is suspect.
    const gap = () => {
      this.tenants.invalidateAll();
      this.nas.loadAll().catch((err: unknown) => this.onError(err, "NAS reload after a bus gap"));
    };
    // Subscribe before the first load, so a change committed during it is not missed.
    this.unsubscribers = await Promise.all([
      state.subscribe(NAS_CHANNEL, (msg) => this.onEvent(msg, (id) => this.nas.reloadTenant(id)), gap),
      state.subscribe(SUBSCRIBER_CHANNEL, (msg) =>
        this.onEvent(msg, (id, subscriberId) =>
          subscriberId ? this.tenants.refreshSubscriber(id, subscriberId) : this.tenants.invalidate(id),
        ),
      ),
      state.subscribe(INVALIDATION_CHANNEL, (msg) =>
        this.onEvent(msg, (id) => {
          this.tenants.invalidate(id);
          return this.nas.reloadTenant(id);
        }),
      ),
    ]);
    await this.nas.loadAll();
    this.seen.start();
    this.scheduleRefresh();
  }

  /**
   * The safety net behind the events, `refreshIntervalMs` (default 10 min) after the previous one
   * ended. It used to reload every cached tenant at once every minute: at 1,000 tenants × 1,000
   * subscribers that was ≈ 17 s of daemon CPU a minute, and every tenant's lookups waited for the
   * whole batch to drain through the pool (bench/scale.ts). Lost messages are now also covered by
   * the bus's gap signal above.
   */
  private scheduleRefresh(): void {
    const every = this.opts.refreshIntervalMs ?? 600_000;
    if (every <= 0 || this.stopped) return;
    this.timer = setTimeout(() => {
      void this.refreshAll().finally(() => this.scheduleRefresh());
    }, every);
    this.timer.unref();
  }

  /** NAS routes, then every cached tenant two at a time: each tenant's lookups wait only for its own reload. */
  async refreshAll(): Promise<void> {
    await this.nas.loadAll().catch((err: unknown) => this.onError(err, "NAS refresh"));
    await this.tenants.reloadEach(2);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.all(this.unsubscribers.map((u) => u()));
    this.unsubscribers = [];
    await Promise.all([this.sink.flush(), this.authLog.flush(), this.seen.stop()]);
  }

  private onEvent(message: string, apply: (tenantId: string, subscriberId?: string) => unknown): void {
    let event: { tenantId?: unknown; subscriberId?: unknown };
    try {
      event = JSON.parse(message) as typeof event;
    } catch {
      return;
    }
    const { tenantId, subscriberId } = event;
    if (typeof tenantId !== "string") return;
    const one = typeof subscriberId === "string" ? subscriberId : undefined;
    Promise.resolve(apply(tenantId, one)).catch((err: unknown) => this.onError(err, "radius cache event"));
  }

  findNas(address: string, nasIdentifier: string | undefined): NasRecord | undefined {
    return this.nas.find(address, nasIdentifier);
  }

  nasVerified(nas: NasRecord): void {
    this.nas.markVerified(nas);
  }

  findSubscriber(tenantId: string, username: string): MaybePromise<SubscriberRecord | undefined> {
    return this.tenants.lookup(tenantId, username);
  }

  /** `pool` is the pool id. The lease is remembered, so a re-login costs no query until Stop. */
  async allocateIp(tenantId: string, pool: string, username: string): Promise<string | undefined> {
    const snap = await this.tenants.get(tenantId);
    const sub = snap && this.tenants.find(snap, username);
    if (!snap || !sub) return undefined;
    if (sub.lease) return sub.lease;
    const a = snap.t.ipAllocations;
    const rows = await this.opts.db.execute<{ address: string }>(sql`
      with held as (
        select host(address) as address from ${a} where pool_id = ${pool}::uuid and subscriber_id = ${sub.row.id}::uuid limit 1
      ), claimed as (
        update ${a} set subscriber_id = ${sub.row.id}::uuid, allocated_at = now()
        where not exists (select 1 from held) and (pool_id, address) = (
          select pool_id, address from ${a}
          where pool_id = ${pool}::uuid and subscriber_id is null
          order by address limit 1 for update skip locked)
        returning host(address) as address
      )
      select address from held union all select address from claimed`);
    const address = rows[0]?.address;
    if (address) sub.lease = address;
    return address;
  }

  /**
   * An IPv6 prefix from `pool` (its id). Unlike IPv4 leases it stays with the subscriber across
   * sessions, so the first login claims one and every later one finds it again.
   */
  async allocateIpv6(tenantId: string, pool: string, username: string): Promise<string | undefined> {
    const snap = await this.tenants.get(tenantId);
    const sub = snap && this.tenants.find(snap, username);
    if (!snap || !sub) return undefined;
    const cached = sub.v6Leases?.get(pool);
    if (cached) return cached;
    const a = snap.t.ipv6Allocations;
    const rows = await this.opts.db.execute<{ prefix: string }>(sql`
      with held as (
        select prefix::text from ${a} where pool_id = ${pool}::uuid and subscriber_id = ${sub.row.id}::uuid limit 1
      ), claimed as (
        update ${a} set subscriber_id = ${sub.row.id}::uuid, allocated_at = now()
        where not exists (select 1 from held) and (pool_id, prefix) = (
          select pool_id, prefix from ${a}
          where pool_id = ${pool}::uuid and subscriber_id is null
          order by prefix limit 1 for update skip locked)
        returning prefix::text
      )
      select prefix from held union all select prefix from claimed`);
    const prefix = rows[0]?.prefix;
    if (prefix) {
      sub.v6Leases ??= new Map();
      sub.v6Leases.set(pool, prefix);
    }
    return prefix;
  }

  openSessions(tenantId: string, username: string, freshSince: Date): OpenSessionRef[] {
    const snap = this.tenants.get(tenantId);
    // Only asked after findSubscriber answered, so the snapshot is loaded; if it is reloading, the
    // sessions it will hold are not known yet and nobody is refused for them.
    if (!snap || snap instanceof Promise) return [];
    const sub = this.tenants.find(snap, username);
    return sub ? snap.sessions.fresh(sub.row.id, freshSince) : [];
  }

  /** Simultaneous-Use "disconnect oldest": fire and forget; the NAS's Stop closes the session row. */
  disconnectSessions(tenantId: string, sessions: OpenSessionRef[]): void {
    for (const s of sessions) {
      const target = this.nas.target(tenantId, s.nasId);
      if (!target) continue;
      const attributes: AttributeList = [
        ["User-Name", s.username],
        ["Acct-Session-Id", s.sessionId],
      ];
      if (s.framedIp) attributes.push(["Framed-IP-Address", s.framedIp]);
      sendDisconnect(target, attributes, { timeoutMs: 1000, retries: 2 })
        .then((r) => {
          if (r.outcome !== "ack") this.onError(new Error(`Disconnect ${r.outcome}`), "simultaneous-use disconnect");
        })
        .catch((err: unknown) => this.onError(err, "simultaneous-use disconnect"));
    }
  }

  /** Only a voucher never used gets here; its first use is stored before the Accept (vouchers.ts). */
  voucherFirstUse(tenantId: string, username: string, at: Date): MaybePromise<boolean> {
    return startVoucher(this.opts.db, this.tenants.loaded(tenantId), username, at, this.onError);
  }

  /** Lock-on-first-login: only an unbound row is written, so two NAS racing cannot rebind. */
  async bindMac(tenantId: string, username: string, mac: string): Promise<void> {
    const snap = await this.tenants.get(tenantId);
    const sub = snap && this.tenants.find(snap, username);
    if (!snap || !sub) return;
    const value = canonicalMac(mac);
    const s = snap.t.subscribers;
    await this.opts.db.execute(
      sql`update ${s} set mac_address = ${value}, updated_at = now() where id = ${sub.row.id}::uuid and mac_address is null`,
    );
    sub.row.macAddress = value;
    sub.record = undefined;
  }

  recordAuth(result: AuthResult): void {
    this.authLog.add(result);
  }

  recordAccounting(record: AccountingRecord): Promise<void> {
    return this.sink.add(record);
  }

  /** Writes whatever is queued (tests, shutdown). */
  flush(): Promise<void> {
    return Promise.all([this.sink.flush(), this.authLog.flush(), this.seen.flush()]).then(() => undefined);
  }
}

/** The API stores MACs as AA:BB:CC:DD:EE:FF; NAS send several spellings. */
function canonicalMac(mac: string): string {
  const hex = mac.toLowerCase().replace(/[^0-9a-f]/g, "");
  if (hex.length !== 12) return mac;
  return (hex.match(/../g) ?? []).join(":").toUpperCase();
}
