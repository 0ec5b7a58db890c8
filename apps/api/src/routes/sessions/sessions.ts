import { isValidTimezone } from "@proxpanel/tenancy";
import { and, asc, count, desc, eq, isNull, type SQL, sql } from "drizzle-orm";
import { notFound } from "../../errors.ts";
import { likeEscape } from "../../pagination.ts";
import type { ServiceCtx } from "../../services/context.ts";

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
  const { usage } = await dailyUsage(ctx, input.days, eq(t.radacct.subscriberId, input.id));
  return { subscriberId: input.id, days: input.days, usage };
}

/** Daily traffic and session count of the whole tenant (a reseller: its own subscribers), for the dashboard. */
export async function tenantUsage({ ctx, input }: { ctx: ServiceCtx; input: { days: number } }) {
  const { t } = ctx.tenant;
  const scope = ctx.actor.resellerId
    ? sql`${t.radacct.subscriberId} in (select ${t.subscribers.id} from ${t.subscribers} where ${t.subscribers.resellerId} = ${ctx.actor.resellerId})`
    : undefined;
  const { timezone, usage } = await dailyUsage(ctx, input.days, scope);
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
 * Totals per local calendar day over the last `days` days, today included, counted by session
 * start. Every day is listed (zeros included) so a chart's bars line up with the calendar.
 */
async function dailyUsage(ctx: ServiceCtx, days: number, filter: SQL | undefined) {
  const timezone = await tenantTimezone(ctx);
  const r = ctx.tenant.t.radacct;
  const firstDay = sql`(now() at time zone ${timezone})::date - ${days - 1}::int`;
  const rows = await ctx.db.execute<DailyUsage>(sql`
    with agg as (
      select (${r.startTime} at time zone ${timezone})::date as day,
             sum(${r.inputOctets})::float8 as input_octets,
             sum(${r.outputOctets})::float8 as output_octets,
             count(*)::int as sessions
      from ${r}
      where ${r.startTime} >= (${firstDay})::timestamp at time zone ${timezone}
        ${filter ? sql`and ${filter}` : sql``}
      group by 1
    )
    select to_char(d, 'YYYY-MM-DD') as "day",
           coalesce(agg.input_octets, 0)::float8 as "inputOctets",
           coalesce(agg.output_octets, 0)::float8 as "outputOctets",
           coalesce(agg.sessions, 0)::int as "sessions"
    from generate_series((${firstDay})::timestamp, (now() at time zone ${timezone})::date::timestamp, interval '1 day') d
    left join agg on agg.day = d::date
    order by d`);
  return { timezone, usage: [...rows] };
}
