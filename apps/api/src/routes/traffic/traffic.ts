import { alerts, type NAS_HEALTH_STATUSES, nasHealth } from "@proxpanel/db";
import { and, desc, eq, inArray, lt, type SQL, sql } from "drizzle-orm";
import { notFound } from "../../errors.ts";
import type { ServiceCtx } from "../../services/context.ts";
import { localDayTraffic } from "../../services/local-day-traffic.ts";
import { tenantTimezone } from "../sessions/sessions.ts";

export const TRAFFIC_RANGES = ["hours", "days"] as const;
export type TrafficRange = (typeof TRAFFIC_RANGES)[number];

export interface TrafficPoint {
  /** Start of the bucket (ISO); for days, local midnight in the tenant's time zone. */
  at: string;
  bytesIn: number;
  bytesOut: number;
}

export interface TrafficSeries {
  range: TrafficRange;
  /** Bucket length in seconds: 300 for hours (5-minute roll-ups), 86400 for days. */
  bucketSeconds: number;
  timezone: string;
  points: TrafficPoint[];
  /** Sum of the open sessions' latest rates (bytes/s), from their last two accounting records. */
  live: { sessions: number; rateIn: number; rateOut: number };
}

export interface TrafficInput {
  id: string;
  range: TrafficRange;
  /** hours: how many hours back (1–48); days: how many days (1–90). */
  span?: number | undefined;
}

/**
 * Series from the roll-ups: 5-minute buckets for the last hours; for the last days, per tenant-local
 * day as `localDayTraffic` counts them (the same totals as the subscriber usage chart). Every
 * bucket is listed (zeros included) so the bars line up with the clock.
 */
async function series(ctx: ServiceCtx, input: TrafficInput, filter: "subscriber" | "nas"): Promise<TrafficSeries> {
  const { t } = ctx.tenant;
  const timezone = await tenantTimezone(ctx);
  const five = t.traffic5m;
  const live = await ctx.db.execute<{ sessions: number; rate_in: number; rate_out: number }>(sql`
    select count(*)::int as sessions, coalesce(sum(rate_in), 0)::float8 as rate_in,
      coalesce(sum(rate_out), 0)::float8 as rate_out
    from ${t.radacct}
    where stop_time is null and ${filter === "nas" ? sql`nas_id` : sql`subscriber_id`} = ${input.id}::uuid`);
  const l = live[0] ?? { sessions: 0, rate_in: 0, rate_out: 0 };
  const liveOut = { sessions: l.sessions, rateIn: l.rate_in, rateOut: l.rate_out };
  if (input.range === "hours") {
    const hours = input.span ?? 24;
    const by = filter === "nas" ? sql`${five.nasId}` : sql`${five.subscriberId}`;
    const rows = await ctx.db.execute<{ at: string; bytes_in: number; bytes_out: number }>(sql`
      with b as (
        select bucket, sum(bytes_in)::float8 as i, sum(bytes_out)::float8 as o from ${five}
        where ${by} = ${input.id}::uuid and bucket > now() - make_interval(hours => ${hours}::int)
        group by bucket
      )
      select to_char(g at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as at,
        coalesce(b.i, 0)::float8 as bytes_in, coalesce(b.o, 0)::float8 as bytes_out
      from generate_series(
        to_timestamp(floor(extract(epoch from now() - make_interval(hours => ${hours}::int)) / 300) * 300 + 300),
        to_timestamp(floor(extract(epoch from now()) / 300) * 300), interval '5 minutes') g
      left join b on b.bucket = g order by g`);
    return {
      range: "hours",
      bucketSeconds: 300,
      timezone,
      points: rows.map((r) => ({ at: r.at, bytesIn: r.bytes_in, bytesOut: r.bytes_out })),
      live: liveOut,
    };
  }
  const days = input.span ?? 30;
  const firstDay = sql`(now() at time zone ${timezone})::date - ${days - 1}::int`;
  const traffic = localDayTraffic(t, {
    timezone,
    since: sql`((${firstDay})::timestamp at time zone ${timezone})`,
    by: filter === "nas" ? "nasId" : "subscriberId",
    match: sql`= ${input.id}::uuid`,
  });
  const rows = await ctx.db.execute<{ at: string; bytes_in: number; bytes_out: number }>(sql`
    with b as (
      select day, sum(bytes_in)::float8 as i, sum(bytes_out)::float8 as o from (${traffic}) traffic group by day
    )
    select to_char(d::timestamp at time zone ${timezone} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as at,
      coalesce(b.i, 0)::float8 as bytes_in, coalesce(b.o, 0)::float8 as bytes_out
    from generate_series((${firstDay})::timestamp, (now() at time zone ${timezone})::date::timestamp, interval '1 day') d
    left join b on b.day = d::date order by d`);
  return {
    range: "days",
    bucketSeconds: 86_400,
    timezone,
    points: rows.map((r) => ({ at: r.at, bytesIn: r.bytes_in, bytesOut: r.bytes_out })),
    live: liveOut,
  };
}

/** A subscriber's traffic; a reseller sees only its own subscribers (others are 404). */
export async function subscriberTraffic({ ctx, input }: { ctx: ServiceCtx; input: TrafficInput }) {
  const s = ctx.tenant.t.subscribers;
  const scope: SQL | undefined = ctx.actor.resellerId ? eq(s.resellerId, ctx.actor.resellerId) : undefined;
  const [row] = await ctx.db
    .select({ id: s.id })
    .from(s)
    .where(and(eq(s.id, input.id), scope))
    .limit(1);
  if (!row) throw notFound("Subscriber not found");
  return series(ctx, input, "subscriber");
}

export async function nasTraffic({ ctx, input }: { ctx: ServiceCtx; input: TrafficInput }) {
  await assertNas(ctx, input.id);
  return series(ctx, input, "nas");
}

async function assertNas(ctx: ServiceCtx, id: string): Promise<void> {
  const n = ctx.tenant.t.nasDevices;
  const [row] = await ctx.db.select({ id: n.id }).from(n).where(eq(n.id, id)).limit(1);
  if (!row) throw notFound("NAS not found");
}

export type NasHealthStatus = (typeof NAS_HEALTH_STATUSES)[number];

export interface NasHealth {
  status: NasHealthStatus;
  statusSince: string | null;
  lastSeenAt: string | null;
  lastAcctAt: string | null;
  probe: { at: string; ok: boolean; rttMs: number | null } | null;
  /** Why a silent NAS is silent (its open alert's kind): no packets at all, or accounting stopped. */
  silentReason: NasSilentReason | null;
}

export const NAS_SILENT_REASONS = ["no_packets", "accounting_gap"] as const;
export type NasSilentReason = (typeof NAS_SILENT_REASONS)[number];

const UNKNOWN: NasHealth = {
  status: "unknown",
  statusSince: null,
  lastSeenAt: null,
  lastAcctAt: null,
  probe: null,
  silentReason: null,
};

/**
 * Health of the tenant's NAS by id, from the registry's nas_health rows (daemon + worker). The
 * rows are filtered by this tenant's id as well as the ids: another tenant's NAS id finds nothing.
 */
export async function nasHealthOf(ctx: ServiceCtx, ids: string[]): Promise<Map<string, NasHealth>> {
  const out = new Map<string, NasHealth>(ids.map((id) => [id, UNKNOWN]));
  if (!ids.length) return out;
  const rows = await ctx.db
    .select({ h: nasHealth, alertKind: alerts.kind })
    .from(nasHealth)
    // The worker keeps the open alert's id on the row while the NAS is silent; its kind says why.
    .leftJoin(alerts, and(eq(alerts.id, nasHealth.alertId), eq(alerts.tenantId, nasHealth.tenantId)))
    .where(and(eq(nasHealth.tenantId, ctx.tenant.id), inArray(nasHealth.nasId, ids)));
  for (const { h, alertKind } of rows) {
    out.set(h.nasId, {
      status: h.status,
      statusSince: h.statusSince.toISOString(),
      lastSeenAt: h.lastSeenAt?.toISOString() ?? null,
      lastAcctAt: h.lastAcctAt?.toISOString() ?? null,
      probe:
        h.probeAt && h.probeOk !== null ? { at: h.probeAt.toISOString(), ok: h.probeOk, rttMs: h.probeRttMs } : null,
      silentReason:
        h.status !== "silent"
          ? null
          : alertKind === "nas_accounting_gap"
            ? "accounting_gap"
            : alertKind === "nas_silent"
              ? "no_packets"
              : null,
    });
  }
  return out;
}

/** NAS health transitions, newest first, optionally of one NAS; `before` pages back by time. */
export async function listNasEvents({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { nasId?: string | undefined; before?: string | undefined; limit: number };
}) {
  const e = ctx.tenant.t.nasEvents;
  const n = ctx.tenant.t.nasDevices;
  if (input.nasId) await assertNas(ctx, input.nasId);
  const rows = await ctx.db
    .select({ id: e.id, nasId: e.nasId, nasName: n.name, kind: e.kind, detail: e.detail, createdAt: e.createdAt })
    .from(e)
    .leftJoin(n, eq(n.id, e.nasId))
    .where(
      and(
        input.nasId ? eq(e.nasId, input.nasId) : undefined,
        input.before ? lt(e.createdAt, new Date(input.before)) : undefined,
      ),
    )
    .orderBy(desc(e.createdAt), desc(e.id))
    .limit(input.limit);
  return { items: rows };
}
