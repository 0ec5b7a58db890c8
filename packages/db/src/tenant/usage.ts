import { sql } from "drizzle-orm";
import type { TenantTables } from "./factory.ts";

const QUARTER = 900_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** How long `usage_15m` rows are kept (the dashboard asks for at most 90 days; a DST day is longer). */
export const USAGE_KEEP_DAYS = 92;
/**
 * A bucket is written once it ended this long ago: accounting batches in flight (and records the
 * NAS held back a little, dated by Acct-Delay-Time) still reach it first. The API reads the newer
 * time from `traffic_5m` and `radacct` directly.
 */
export const USAGE_GRACE_MS = 5 * 60_000;
/** 5-minute roll-ups are read from this far back (their retention keeps 48 hours; an hour to spare). */
const FIVE_MINUTE_HOURS = 47;

type Executor = { execute: (query: ReturnType<typeof sql>) => PromiseLike<ArrayLike<unknown> & Iterable<unknown>> };
type Tables = Pick<
  TenantTables,
  "usage15m" | "usageReseller15m" | "traffic5m" | "traffic1h" | "radacct" | "subscribers"
>;

const floorTo = (ms: number, step: number) => ms - (((ms % step) + step) % step);

/** The end of the written buckets (exclusive): everything before it is in `usage_15m`. */
export function usageSealedAt(now: Date): Date {
  return new Date(floorTo(now.getTime() - USAGE_GRACE_MS, QUARTER));
}

/**
 * Brings `usage_15m` up to `usageSealedAt(now)`: the buckets after the newest one written (on the
 * first call, the last 92 days). `recomputeHours` also rewrites that many hours before it, which
 * the worker does every hour so a record that arrived late still lands in its bucket.
 *
 * Sources, per bucket: the 5-minute roll-ups for the last 47 hours (exact: a 5-minute bucket lies
 * inside one quarter hour); the hourly roll-ups before that (an hour's traffic goes to its first
 * quarter, so only a first fill or a worker stopped for two days uses them); and, before the
 * roll-ups' first hour (an install upgraded from before them), the sessions of `radacct` that had
 * ended by then, their octets at their start, as the dashboard counted before. Session counts
 * always come from `radacct` (start time, its BRIN index). `usage_reseller_15m` gets the same per
 * reseller, written first. Concurrent calls write the same rows: the first one wins, the others
 * change nothing.
 */
export async function materialiseUsage(
  db: Executor,
  t: Tables,
  opts: { now?: Date; recomputeHours?: number } = {},
): Promise<{ from: Date; to: Date } | null> {
  const now = (opts.now ?? new Date()).getTime();
  const to = usageSealedAt(new Date(now)).getTime();
  const oldest = floorTo(now - USAGE_KEEP_DAYS * DAY, QUARTER);
  const [last] = (await db.execute(sql`select max(bucket) as b from ${t.usage15m}`)) as unknown as Array<{
    b: string | Date | null;
  }>;
  let from = last?.b ? new Date(last.b).getTime() + QUARTER : oldest;
  if (opts.recomputeHours) from = Math.min(from, to - opts.recomputeHours * HOUR);
  from = Math.max(from, oldest);
  if (from >= to) return null;
  const fiveFloor = floorTo(now - FIVE_MINUTE_HOURS * HOUR, HOUR);
  // Where the roll-ups begin: radacct stands in for the time before (an upgraded install).
  let rollupStart = from;
  const earlier = await db.execute(
    sql`select 1 from ${t.traffic1h} where ${t.traffic1h.bucket} < ${new Date(from).toISOString()}::timestamptz limit 1`,
  );
  if (!earlier.length) {
    const [first] = (await db.execute(
      sql`select min(${t.traffic1h.bucket}) as b from ${t.traffic1h}
          where ${t.traffic1h.bucket} >= ${new Date(from).toISOString()}::timestamptz`,
    )) as unknown as Array<{ b: string | Date | null }>;
    rollupStart = first?.b ? new Date(first.b).getTime() : to;
  }
  const iso = (ms: number) => new Date(ms).toISOString();
  const origin = sql`'2000-01-01T00:00:00Z'::timestamptz`;
  const five = t.traffic5m;
  const hour = t.traffic1h;
  const r = t.radacct;
  const fiveFrom = Math.max(from, fiveFloor);
  const hourTo = Math.min(to, fiveFloor);
  const acctTo = Math.min(to, rollupStart);
  const update = sql`do update set bytes_in = excluded.bytes_in, bytes_out = excluded.bytes_out, sessions = excluded.sessions`;
  const conflict = opts.recomputeHours ? update : sql`do nothing`;
  const sub = t.subscribers;
  /** Each source row with its subscriber's reseller (null: none, or an unknown username). */
  const sources = sql`
      select date_bin('15 minutes', ${five.bucket}, ${origin}) as b, ${five.subscriberId} as sub,
        ${five.bytesIn} as i, ${five.bytesOut} as o, 0 as n
      from ${five} where ${five.bucket} >= ${iso(fiveFrom)}::timestamptz and ${five.bucket} < ${iso(to)}::timestamptz
      union all
      select ${hour.bucket}, ${hour.subscriberId}, ${hour.bytesIn}, ${hour.bytesOut}, 0
      from ${hour} where ${hour.bucket} >= ${iso(from)}::timestamptz and ${hour.bucket} < ${iso(hourTo)}::timestamptz
      union all
      select date_bin('15 minutes', ${r.startTime}, ${origin}), ${r.subscriberId}, ${r.inputOctets}, ${r.outputOctets}, 0
      from ${r} where ${r.startTime} >= ${iso(from)}::timestamptz and ${r.startTime} < ${iso(acctTo)}::timestamptz
        and coalesce(${r.stopTime}, ${r.updateTime}, ${r.startTime}) < ${iso(acctTo)}::timestamptz
      union all
      select date_bin('15 minutes', ${r.startTime}, ${origin}), ${r.subscriberId}, 0, 0, 1
      from ${r} where ${r.startTime} >= ${iso(from)}::timestamptz and ${r.startTime} < ${iso(to)}::timestamptz`;
  // Resellers first: usage_15m's newest bucket is what says both are written.
  await db.execute(sql`
    insert into ${t.usageReseller15m} as u (reseller_id, bucket, bytes_in, bytes_out, sessions)
    select x.reseller_id, s.b, sum(s.i), sum(s.o), sum(s.n)::int
    from (${sources}) s join ${sub} x on x.id = s.sub
    where x.reseller_id is not null
    group by x.reseller_id, s.b
    on conflict (reseller_id, bucket) ${conflict}`);
  await db.execute(sql`
    insert into ${t.usage15m} as u (bucket, bytes_in, bytes_out, sessions)
    select g.b, coalesce(sum(s.i), 0), coalesce(sum(s.o), 0), coalesce(sum(s.n), 0)::int
    from generate_series(${iso(from)}::timestamptz, ${iso(to - QUARTER)}::timestamptz, interval '15 minutes') g(b)
    left join (${sources}) s on s.b = g.b
    group by g.b
    on conflict (bucket) ${conflict}`);
  return { from: new Date(from), to: new Date(to) };
}
