import { materialiseUsage } from "@proxpanel/db";
import { isValidTimezone } from "@proxpanel/tenancy";
import { and, asc, count, desc, eq, isNull, type SQL, type SQLWrapper, sql } from "drizzle-orm";
import { notFound } from "../../errors.ts";
import { likeEscape } from "../../pagination.ts";
import type { ServiceCtx } from "../../services/context.ts";
import { localDayTraffic } from "../../services/local-day-traffic.ts";

export interface ListSessionsInput {
  page: number;
  limit: number;
  search?: string | undefined;
  nasId?: string | undefined;
  online: boolean;
  order: "asc" | "desc";
}

/** Read model over radacct: open sessions (online) or recent history, reseller-scoped. */
export async function listSessions({ ctx, input }: { ctx: ServiceCtx; input: ListSessionsInput }) {
  const { t } = ctx.tenant;
  const r = t.radacct;
  const f: SQL[] = [];
  if (input.online) f.push(isNull(r.stopTime));
  if (input.search) f.push(sql`lower(${r.username}) like ${`${likeEscape(input.search.toLowerCase())}%`}`);
  if (input.nasId) f.push(eq(r.nasId, input.nasId));
  if (ctx.actor.resellerId) {
    f.push(
      sql`${r.subscriberId} in (select ${t.subscribers.id} from ${t.subscribers} where ${t.subscribers.resellerId} = ${ctx.actor.resellerId})`,
    );
  }
  const where = f.length ? and(...f) : undefined;
  const [items, totals] = await Promise.all([
    ctx.db
      .select()
      .from(r)
      .where(where)
      .orderBy(input.order === "asc" ? asc(r.startTime) : desc(r.startTime), asc(r.id))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    ctx.db.select({ n: count() }).from(r).where(where),
  ]);
  return { items, total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
}

/** Daily traffic of one subscriber over the last `days` days of the tenant's calendar. */
export async function subscriberUsage({ ctx, input }: { ctx: ServiceCtx; input: { id: string; days: number } }) {
  const { t } = ctx.tenant;
  const s = t.subscribers;
  const owner = await ctx.db
    .select({ id: s.id })
    .from(s)
    .where(and(eq(s.id, input.id), ctx.actor.resellerId ? eq(s.resellerId, ctx.actor.resellerId) : undefined))
    .limit(1);
  if (!owner.length) throw notFound("Subscriber not found");
  const { usage } = await subscribersUsage(ctx, input.days, sql`= ${input.id}::uuid`);
  return { subscriberId: input.id, days: input.days, usage };
}

/**
 * Daily traffic and session count of the whole tenant, for the dashboard, or of a reseller's own
 * subscribers: from the 15-minute tables (`usage_15m`, `usage_reseller_15m`, brought up to date
 * here) and, for the last minutes they do not hold yet, the 5-minute roll-ups and `radacct`.
 */
export async function tenantUsage({ ctx, input }: { ctx: ServiceCtx; input: { days: number } }) {
  const { timezone, usage } = await quarterHourUsage(ctx, input.days, ctx.actor.resellerId);
  return { days: input.days, timezone, usage };
}

export type DailyUsage = {
  /** YYYY-MM-DD in the tenant's time zone. */
  day: string;
  /** Octets from the subscriber (upload). */
  inputOctets: number;
  /** Octets to the subscriber (download). */
  outputOctets: number;
  sessions: number;
};

/** The tenant's IANA time zone from Settings, so a chart's "day" is the operator's day, not UTC's. */
export async function tenantTimezone(ctx: ServiceCtx): Promise<string> {
  const sp = ctx.tenant.t.systemPreferences;
  const [row] = await ctx.db.select({ value: sp.value }).from(sp).where(eq(sp.key, "timezone")).limit(1);
  return typeof row?.value === "string" && isValidTimezone(row.value) ? row.value : "UTC";
}

/**
 * Every day of the period (zeros included, so a chart's bars line up with the calendar), from
 * `agg`: rows of (day, input_octets, output_octets, sessions), several per day allowed.
 */
async function perDay(ctx: ServiceCtx, timezone: string, days: number, agg: (since: SQL) => SQL) {
  const firstDay = sql`(now() at time zone ${timezone})::date - ${days - 1}::int`;
  const since = sql`((${firstDay})::timestamp at time zone ${timezone})`;
  const rows = await ctx.db.execute<DailyUsage>(sql`
    with agg as (${agg(since)}),
    per_day as (
      select day, sum(input_octets)::float8 as i, sum(output_octets)::float8 as o, sum(sessions)::int as n
      from agg group by day
    )
    select to_char(d, 'YYYY-MM-DD') as "day",
           coalesce(per_day.i, 0)::float8 as "inputOctets",
           coalesce(per_day.o, 0)::float8 as "outputOctets",
           coalesce(per_day.n, 0)::int as "sessions"
    from generate_series((${firstDay})::timestamp, (now() at time zone ${timezone})::date::timestamp, interval '1 day') d
    left join per_day on per_day.day = d::date
    order by d`);
  return [...rows];
}

/**
 * The whole tenant (or one reseller's subscribers) per local day. Quarter hours group exactly by
 * any zone's day (half-hour and 45-minute zones included); the tail after the newest written bucket
 * comes from the 5-minute roll-ups (exact too) and `radacct`'s start times, a few minutes of each.
 */
async function quarterHourUsage(ctx: ServiceCtx, days: number, resellerId: string | null) {
  const { t } = ctx.tenant;
  const timezone = await tenantTimezone(ctx);
  await materialiseUsage(ctx.db, t);
  const u = t.usage15m;
  const ur = t.usageReseller15m;
  const five = t.traffic5m;
  const r = t.radacct;
  const subs = t.subscribers;
  const written = sql`(select max(${u.bucket}) + interval '15 minutes' from ${u})`;
  const own = (column: SQLWrapper) =>
    resellerId
      ? sql`and ${column} in (select ${subs.id} from ${subs} where ${subs.resellerId} = ${resellerId}::uuid)`
      : sql``;
  const usage = await perDay(
    ctx,
    timezone,
    days,
    (since) => sql`
      ${
        resellerId
          ? sql`select (${ur.bucket} at time zone ${timezone})::date as day, ${ur.bytesIn} as input_octets,
                 ${ur.bytesOut} as output_octets, ${ur.sessions} as sessions
               from ${ur} where ${ur.resellerId} = ${resellerId}::uuid and ${ur.bucket} >= ${since}
                 and ${ur.bucket} < ${written}`
          : sql`select (${u.bucket} at time zone ${timezone})::date as day, ${u.bytesIn} as input_octets,
                 ${u.bytesOut} as output_octets, ${u.sessions} as sessions
               from ${u} where ${u.bucket} >= ${since}`
      }
      union all
      select (${five.bucket} at time zone ${timezone})::date, ${five.bytesIn}, ${five.bytesOut}, 0
      from ${five} where ${five.bucket} >= greatest(${since}, ${written}) ${own(five.subscriberId)}
      union all
      select (${r.startTime} at time zone ${timezone})::date, 0, 0, 1
      from ${r} where ${r.startTime} >= greatest(${since}, ${written}) ${own(r.subscriberId)}`,
  );
  return { timezone, usage };
}

/**
 * One subscriber (`subscriberIds`: `= id`) per local day, from its traffic roll-ups (by the rule of
 * `localDayTraffic`, shared with the traffic days series) and its sessions' start times (both by
 * subscriber index).
 */
async function subscribersUsage(ctx: ServiceCtx, days: number, subscriberIds: SQL) {
  const { t } = ctx.tenant;
  const timezone = await tenantTimezone(ctx);
  const r = t.radacct;
  const usage = await perDay(
    ctx,
    timezone,
    days,
    (since) => sql`
      select day, bytes_in as input_octets, bytes_out as output_octets, 0 as sessions
      from (${localDayTraffic(t, { timezone, since, by: "subscriberId", match: subscriberIds })}) traffic
      union all
      select (${r.startTime} at time zone ${timezone})::date, 0, 0, 1
      from ${r} where ${r.subscriberId} ${subscriberIds} and ${r.startTime} >= ${since}`,
  );
  return { timezone, usage };
}
