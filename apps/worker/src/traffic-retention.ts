import { type Db, materialiseUsage, type TenantClientCache, USAGE_KEEP_DAYS } from "@proxpanel/db";
import { sql } from "drizzle-orm";
import { liveTenants } from "./live-tenants.ts";

/**
 * How long each roll-up is kept: 5-minute buckets for the hours charts, hourly for the days charts.
 * The longest days chart is 90 tenant-local days, which starts up to 90 days and 1.5 hours back (a
 * day with a DST change lasts 25 hours; in a half-hour zone the hour before midnight counts to the
 * new day), hence 91.
 */
export const TRAFFIC_RETENTION = { fiveMinuteHours: 48, hourlyDays: 91, nasEventDays: 90 } as const;

export interface TrafficRetentionResult {
  tenantId: string;
  fiveMinute: number;
  hourly: number;
  events: number;
}

/**
 * Deletes roll-up rows (and NAS events) past their keep time, tenant by tenant; the BRIN index on
 * `bucket` finds them without a scan. Each table's rows are bounded by subscribers x buckets kept.
 */
export async function pruneTraffic(
  deps: { db: Db; tenantClients: TenantClientCache },
  opts: { now?: Date; tenantIds?: string[] } = {},
): Promise<TrafficRetentionResult[]> {
  const now = (opts.now ?? new Date()).getTime();
  const fiveBefore = new Date(now - TRAFFIC_RETENTION.fiveMinuteHours * 3_600_000).toISOString();
  const hourBefore = new Date(now - TRAFFIC_RETENTION.hourlyDays * 86_400_000).toISOString();
  const eventsBefore = new Date(now - TRAFFIC_RETENTION.nasEventDays * 86_400_000).toISOString();
  const usageBefore = new Date(now - USAGE_KEEP_DAYS * 86_400_000).toISOString();
  const out: TrafficRetentionResult[] = [];
  for (const tenant of await liveTenants(deps.db, opts.tenantIds)) {
    const { t } = deps.tenantClients.get(tenant.schemaName);
    const five = await deps.db.execute(sql`delete from ${t.traffic5m} where bucket < ${fiveBefore}::timestamptz`);
    const hour = await deps.db.execute(sql`delete from ${t.traffic1h} where bucket < ${hourBefore}::timestamptz`);
    const ev = await deps.db.execute(sql`delete from ${t.nasEvents} where created_at < ${eventsBefore}::timestamptz`);
    await deps.db.execute(sql`delete from ${t.usage15m} where bucket < ${usageBefore}::timestamptz`);
    if (five.count || hour.count || ev.count) {
      out.push({ tenantId: tenant.id, fiveMinute: five.count, hourly: hour.count, events: ev.count });
    }
  }
  return out;
}

/**
 * Brings each tenant's dashboard table (`usage_15m`) up to date and rewrites its last 3 hours from
 * the 5-minute roll-ups, so a record that arrived late (Acct-Delay-Time) still counts, and so the
 * 5-minute rows are summed before the retention above deletes them. Runs before `pruneTraffic`.
 */
export async function refreshUsage(
  deps: { db: Db; tenantClients: TenantClientCache },
  opts: { now?: Date; tenantIds?: string[] } = {},
): Promise<number> {
  let n = 0;
  for (const tenant of await liveTenants(deps.db, opts.tenantIds)) {
    const { t } = deps.tenantClients.get(tenant.schemaName);
    if (await materialiseUsage(deps.db, t, { recomputeHours: 3, ...(opts.now ? { now: opts.now } : {}) })) n++;
  }
  return n;
}
