import type { Db, ServicePlan, TenantStatus } from "@proxpanel/db";
import type { TenantTables } from "@proxpanel/db/tenant/factory";
import type { MaybePromise, SubscriberRecord } from "@proxpanel/radius";
import { eq, sql } from "drizzle-orm";
import { planRateLimit } from "./rate-limit.ts";
import type { SessionRow } from "./session-rows.ts";

/**
 * The tenant's voucher setting, written by the API (apps/api/src/routes/vouchers/settings.ts):
 * "code" = the code is the password too; "empty" = an empty password.
 */
const SETTINGS_KEY = "hotspot_vouchers";

export interface CachedVoucher {
  id: string;
  code: string;
  status: "unused" | "active" | "used_up" | "disabled";
  firstUsedAt: Date | null;
  expiresAt: Date | null;
  usedSeconds: number;
  usedBytes: number;
  timeLimitS: number | null;
  dataLimitBytes: number | null;
  validityS: number | null;
  rateLimit: string | null;
  planId: string | null;
}

export interface VoucherSet {
  byCode: Map<string, CachedVoucher>;
  byId: Map<string, CachedVoucher>;
  passwordMode: "code" | "empty";
}

/** What the auth path needs of a tenant's vouchers, loaded with its snapshot (no query per packet). */
export async function loadVouchers(db: Db, t: TenantTables): Promise<VoucherSet> {
  const v = t.vouchers;
  const b = t.voucherBatches;
  const sp = t.systemPreferences;
  const [rows, pref] = await Promise.all([
    db
      .select({
        id: v.id,
        code: v.code,
        status: v.status,
        firstUsedAt: v.firstUsedAt,
        expiresAt: v.expiresAt,
        usedSeconds: v.usedSeconds,
        usedBytes: v.usedBytes,
        timeLimitS: b.timeLimitS,
        dataLimitBytes: b.dataLimitBytes,
        validityS: b.validityS,
        rateLimit: b.rateLimit,
        planId: b.planId,
      })
      .from(v)
      .innerJoin(b, eq(b.id, v.batchId)),
    db.select({ value: sp.value }).from(sp).where(eq(sp.key, SETTINGS_KEY)).limit(1),
  ]);
  const mode = (pref[0]?.value as { passwordMode?: unknown } | undefined)?.passwordMode;
  return {
    byCode: new Map(rows.map((r) => [r.code.toLowerCase(), r])),
    byId: new Map(rows.map((r) => [r.id, r])),
    passwordMode: mode === "empty" ? "empty" : "code",
  };
}

interface Snap {
  status: TenantStatus;
  plans: Map<string, ServicePlan>;
  vouchers: VoucherSet;
  t: TenantTables;
}

/**
 * A voucher as the auth path sees an account: the code as username, the password per the
 * tenant's setting, the batch's (or plan's) rate, and what is left of its time and data. Built
 * per request (cheap, and the remaining time depends on the clock); a spent or expired voucher
 * carries its denial, which auth answers after the password check.
 */
export function voucherFor(snap: Snap, username: string, now: Date): SubscriberRecord | undefined {
  const v = snap.vouchers.byCode.get(username.toLowerCase());
  if (!v) return undefined;
  const plan = v.planId ? snap.plans.get(v.planId) : undefined;
  const record: SubscriberRecord = {
    username: v.code,
    password: snap.vouchers.passwordMode === "empty" ? "" : v.code,
    status: v.status === "disabled" ? "disabled" : "active",
    // Unused: the validity would start now, so the first session may last that long at most.
    expiresAt: v.expiresAt ?? (v.validityS ? new Date(now.getTime() + v.validityS * 1000) : null),
    rateLimit: v.rateLimit ?? (plan ? planRateLimit(plan) : null),
    framedPool: plan?.ipPoolId ?? null,
  };
  if (v.timeLimitS) record.sessionTimeLeft = Math.max(0, v.timeLimitS - v.usedSeconds);
  if (v.dataLimitBytes) record.dataLeft = Math.max(0, v.dataLimitBytes - v.usedBytes);
  if (!v.firstUsedAt) record.voucherFirstUse = true;
  if (snap.status !== "active") record.denied = "tenant_inactive";
  else if (v.status === "used_up" || record.sessionTimeLeft === 0 || record.dataLeft === 0) {
    record.denied = "voucher_used_up";
  } else if (v.expiresAt && v.expiresAt.getTime() <= now.getTime()) record.denied = "voucher_expired";
  return record;
}

/** First logins being recorded, so a second login of the same voucher meanwhile waits for the same answer. */
const starting = new WeakMap<CachedVoucher, Promise<boolean>>();

/**
 * How long a first login waits for PostgreSQL to record it (ms). A write behind a deletion's row
 * lock takes milliseconds; one that has not answered by then is treated as the database being
 * unreachable (the driver's connect timeout is 5 s, longer than a NAS waits for its answer).
 */
export const VOUCHER_START_WAIT_MS = 1000;

/**
 * First login of a voucher the snapshot holds as never used, once auth has passed every other
 * check: its first use is written before the Accept goes out, so an API deletion (which locks the
 * row and refuses, 409, a voucher with a first use) and this login cannot both succeed. Resolves
 * true when the row exists (first use now stored, or already stored by another daemon), false when
 * it is gone: deleted and refunded meanwhile, so the login is refused. Either way the cached
 * voucher follows, and its later logins make no query.
 *
 * PostgreSQL unreachable (an error, or no answer within `waitMs`): the login is accepted and the
 * first use kept in memory, as before this check existed, because auth keeps answering from the
 * cached snapshot while the database is down and refusing paying customers would be worse than
 * the rare refund of a voucher deleted in that window. A write that is only slow goes on in the
 * background; should it fail, accounting's Start sets the same first use (coalesce keeps whichever
 * came first), and the Accounting-Response waits until that is committed, so the NAS retries it.
 */
export function startVoucher(
  db: Db,
  snap: Snap | undefined,
  username: string,
  at: Date,
  onError: (err: unknown, where: string) => void,
  waitMs = VOUCHER_START_WAIT_MS,
): MaybePromise<boolean> {
  const v = snap?.vouchers.byCode.get(username.toLowerCase());
  if (!snap || !v || v.firstUsedAt) return true;
  const pending = starting.get(v);
  if (pending) return pending;
  const vouchers = snap.vouchers;
  const table = snap.t.vouchers;
  const expiresAt = v.validityS ? new Date(at.getTime() + v.validityS * 1000) : null;
  const write = recordFirstUse(db, table, v.id, at, expiresAt).then(
    (row) => {
      if (!row) {
        // Deleted: later logins are unknown, as after the API's reload event.
        if (vouchers.byCode.get(v.code.toLowerCase()) === v) vouchers.byCode.delete(v.code.toLowerCase());
        vouchers.byId.delete(v.id);
        return false;
      }
      v.firstUsedAt = row.first_used_at ? new Date(row.first_used_at) : at;
      v.expiresAt = row.expires_at ? new Date(row.expires_at) : null;
      v.status = row.status;
      return true;
    },
    (err: unknown) => {
      onError(err, "voucher first use");
      return undefined;
    },
  );
  let timer: NodeJS.Timeout | undefined;
  const unreachable = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), waitMs);
    timer.unref();
  });
  const answer = Promise.race([write, unreachable]).then((exists) => {
    clearTimeout(timer);
    starting.delete(v);
    if (exists !== undefined) return exists;
    // Unreachable or too slow: accepted from memory, as the rest of auth answers while PostgreSQL is down.
    if (!v.firstUsedAt) {
      v.firstUsedAt = at;
      v.expiresAt = expiresAt;
      if (v.status === "unused") v.status = "active";
    }
    void write.then((late) => {
      if (late === false)
        onError(new Error(`voucher ${v.id} was deleted while its first login was accepted`), "voucher first use");
    });
    return true;
  });
  starting.set(v, answer);
  return answer;
}

type FirstUse = { first_used_at: string | null; expires_at: string | null; status: CachedVoucher["status"] };

/**
 * The conditional write (never moves a first use already stored), then, when it changed nothing,
 * whether the row is still there. Each is its own statement, so under READ COMMITTED the second
 * sees a deletion that committed while the first waited on the row's lock.
 */
async function recordFirstUse(
  db: Db,
  table: TenantTables["vouchers"],
  id: string,
  at: Date,
  expiresAt: Date | null,
): Promise<FirstUse | undefined> {
  const written = await db.execute<FirstUse>(sql`
    update ${table} set first_used_at = ${at.toISOString()}::timestamptz,
      expires_at = coalesce(expires_at, ${expiresAt?.toISOString() ?? null}::timestamptz),
      status = case when status = 'unused' then 'active' else status end, updated_at = now()
    where id = ${id}::uuid and first_used_at is null
    returning first_used_at, expires_at, status`);
  if (written[0]) return written[0];
  const stored = await db.execute<FirstUse>(
    sql`select first_used_at, expires_at, status from ${table} where id = ${id}::uuid`,
  );
  return stored[0];
}

type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];

export type VoucherUse = {
  id: string;
  status: CachedVoucher["status"];
  first_used_at: string | null;
  expires_at: string | null;
  used_seconds: string;
  used_bytes: string;
};

/**
 * In the accounting batch's transaction, before its radacct upsert: each voucher session's growth
 * since the stored row (session time, input + output octets) is added to the voucher, its first
 * use and expiry are set if auth's write was lost, and a voucher whose time or data allowance is
 * spent becomes used_up. Counters only move forward, whatever order Interim and Stop arrive in.
 */
export async function recordVoucherUse(tx: Tx, snap: Snap, rows: Map<string, SessionRow>): Promise<VoucherUse[]> {
  const mine = [...rows.values()].filter((r) => !r.subscriberId && snap.vouchers.byCode.has(r.username.toLowerCase()));
  if (!mine.length) return [];
  const a = snap.t.radacct;
  const keys = JSON.stringify(mine.map((r) => r.acctUniqueId));
  const before = await tx.execute<{ key: string; session_time: number; input_octets: string; output_octets: string }>(
    sql`select acct_unique_id as key, session_time, input_octets, output_octets from ${a}
      where acct_unique_id in (select jsonb_array_elements_text(${keys}::jsonb)) for update`,
  );
  const old = new Map(before.map((b) => [b.key, b]));
  const per = new Map<string, { seconds: number; bytes: number; start: Date; seen: Date; session: string }>();
  for (const r of mine) {
    const v = snap.vouchers.byCode.get(r.username.toLowerCase());
    if (!v) continue;
    const o = old.get(r.acctUniqueId);
    const seconds = Math.max(0, r.sessionTime - (o?.session_time ?? 0));
    const bytes = Math.max(
      0,
      r.inputOctets + r.outputOctets - Number(o?.input_octets ?? 0) - Number(o?.output_octets ?? 0),
    );
    const u = per.get(v.id);
    if (!u) per.set(v.id, { seconds, bytes, start: r.startTime, seen: r.updateTime, session: r.acctSessionId });
    else {
      u.seconds += seconds;
      u.bytes += bytes;
      if (r.startTime < u.start) u.start = r.startTime;
      if (r.updateTime > u.seen) {
        u.seen = r.updateTime;
        u.session = r.acctSessionId;
      }
    }
  }
  const payload = JSON.stringify([...per].map(([id, u]) => [id, u.seconds, u.bytes, u.start, u.seen, u.session]));
  return tx.execute<VoucherUse>(sql`
    update ${snap.t.vouchers} as v set
      used_seconds = v.used_seconds + (e->>1)::bigint,
      used_bytes = v.used_bytes + (e->>2)::bigint,
      first_used_at = coalesce(v.first_used_at, (e->>3)::timestamptz),
      expires_at = coalesce(v.expires_at, (e->>3)::timestamptz + make_interval(secs => b.validity_s)),
      last_used_at = greatest(v.last_used_at, (e->>4)::timestamptz),
      last_session_id = e->>5,
      status = case
        when v.status in ('disabled', 'used_up') then v.status
        when v.used_seconds + (e->>1)::bigint >= b.time_limit_s or v.used_bytes + (e->>2)::bigint >= b.data_limit_bytes
          then 'used_up'
        else 'active' end,
      updated_at = now()
    from jsonb_array_elements(${payload}::jsonb) as e, ${snap.t.voucherBatches} as b
    where v.id = (e->>0)::uuid and b.id = v.batch_id
    returning v.id, v.status, v.first_used_at, v.expires_at, v.used_seconds, v.used_bytes`);
}

/** After the commit: the cached vouchers take the stored counters, so the next login sees them. */
export function applyVoucherUse(snap: Snap | undefined, uses: VoucherUse[]): void {
  if (!snap) return;
  for (const u of uses) {
    const v = snap.vouchers.byId.get(u.id);
    if (!v) continue;
    v.status = u.status;
    v.usedSeconds = Number(u.used_seconds);
    v.usedBytes = Number(u.used_bytes);
    v.firstUsedAt = u.first_used_at ? new Date(u.first_used_at) : null;
    v.expiresAt = u.expires_at ? new Date(u.expires_at) : null;
  }
}
