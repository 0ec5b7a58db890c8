import type { TenantTables } from "@proxpanel/db";
import { type SQL, sql } from "drizzle-orm";

/**
 * 5-minute roll-ups are trusted from this far back: the worker's `traffic-retention` job keeps
 * 48 hours (it runs hourly, deleting what is older than 48 hours at its run), an hour to spare.
 */
const FIVE_MINUTE_HOURS = 47;

/**
 * One subscriber's or NAS's traffic as rows of (day, bytes_in, bytes_out), `day` being the
 * tenant-local date (several rows per day: the caller sums them). Both the subscriber usage chart
 * (`GET /api/subscribers/:id/usage`) and the traffic days series (`GET /api/traffic/...?range=days`)
 * read it, so one subscriber and day gives the same totals in both.
 *
 * An hourly roll-up lying within one local day counts to that day: exact. Only in half-hour and
 * 45-minute zones (Asia/Kolkata, Asia/Kathmandu) does an hour hold a local midnight; such an hour
 * still within the 5-minute roll-ups' 47 hours is replaced by its twelve 5-minute rows, which split
 * at midnight exactly (every zone's offset is a multiple of 5 minutes). Older such hours count whole
 * to the local day holding most of the hour (the new day on a tie: in +05:30, 23:30-00:30 goes to
 * the new day), so a day's total there may be off by up to 30 minutes of traffic on each side.
 *
 * `by` picks the column, `match` its condition (e.g. sql`= ${id}::uuid`); `since` is the first
 * day's local midnight (timestamptz): the hour before it is read too, as it may count to that day.
 */
export function localDayTraffic(
  t: Pick<TenantTables, "traffic5m" | "traffic1h">,
  opts: { timezone: string; since: SQL; by: "subscriberId" | "nasId"; match: SQL },
): SQL {
  const { timezone: tz, since, by, match } = opts;
  const h = t.traffic1h;
  const five = t.traffic5m;
  // The hours (UTC-aligned, as the roll-ups are) holding a local midnight that the 5-minute rows
  // still cover whole, tomorrow's included (the current hour may hold it); none in whole-hour zones,
  // at most three otherwise, so this adds a few index probes at most.
  const horizon = sql`now() - make_interval(hours => ${FIVE_MINUTE_HOURS}::int)`;
  const splitHours = sql`
    select date_trunc('hour', m, 'UTC') as hour
    from generate_series(((${horizon}) at time zone ${tz})::date::timestamp,
      (now() at time zone ${tz})::date::timestamp + interval '1 day', interval '1 day') d,
      lateral (select d at time zone ${tz} as m) midnight
    where date_trunc('hour', m, 'UTC') <> m and date_trunc('hour', m, 'UTC') >= ${horizon}`;
  return sql`
    select ((${h.bucket} + interval '30 minutes') at time zone ${tz})::date as day, ${h.bytesIn} as bytes_in,
      ${h.bytesOut} as bytes_out
    from ${h}
    where ${h[by]} ${match} and ${h.bucket} >= ${since} - interval '30 minutes'
      and ${h.bucket} not in (${splitHours})
    union all
    select (${five.bucket} at time zone ${tz})::date, ${five.bytesIn}, ${five.bytesOut}
    from (${splitHours}) s
    join ${five} on ${five[by]} ${match} and ${five.bucket} >= s.hour and ${five.bucket} < s.hour + interval '1 hour'`;
}
