import type { Db, TenantClientCache } from "@proxpanel/db";
import { sql } from "drizzle-orm";
import { liveTenants } from "./live-tenants.ts";

/** The daemon's cache channel (apps/radius/src/db/source.ts): a tenant's subscribers reload. */
export const RADIUS_SUBSCRIBER_CHANNEL = "proxpanel:radius:subscriber";

/** Recorded as the session's terminate cause, so reports can tell these from real Stops. */
export const STALE_TERMINATE_CAUSE = "Stale-Session";

export interface StaleSessionDeps {
  db: Db;
  tenantClients: TenantClientCache;
  /** Tells running daemons to drop cached pool leases; they also reload on their own timer. */
  publish?: (channel: string, message: string) => Promise<void>;
}

export interface StaleSessionResult {
  tenantId: string;
  closed: number;
  released: number;
}

/**
 * Closes sessions whose NAS stopped reporting: no Start/Interim/Stop for 3 x the interim interval
 * (the NAS rebooted without Accounting-On, or the Stop was lost). The stop time is the last time
 * the session was heard from, not now, so its duration is not inflated; the pool address it held
 * goes back to the pool in the same transaction.
 */
export async function closeStaleSessions(
  deps: StaleSessionDeps,
  opts: { interimIntervalSeconds: number; now?: Date; tenantIds?: string[] },
): Promise<StaleSessionResult[]> {
  const cutoff = new Date((opts.now ?? new Date()).getTime() - 3 * opts.interimIntervalSeconds * 1000);
  const live = await liveTenants(deps.db, opts.tenantIds);
  const results: StaleSessionResult[] = [];
  for (const tenant of live) {
    const { t } = deps.tenantClients.get(tenant.schemaName);
    const r = await deps.db.transaction(async (tx) => {
      const closed = await tx.execute<{ subscriber_id: string | null; address: string | null }>(sql`
        update ${t.radacct}
        set stop_time = coalesce(update_time, start_time), terminate_cause = ${STALE_TERMINATE_CAUSE}
        where stop_time is null and coalesce(update_time, start_time) < ${cutoff.toISOString()}::timestamptz
        returning subscriber_id, host(framed_ip_address) as address`);
      const leases = closed.filter((c) => c.subscriber_id && c.address);
      let released = 0;
      if (leases.length) {
        const pairs = sql.join(
          leases.map((c) => sql`(${c.subscriber_id}::uuid, ${c.address}::inet)`),
          sql`, `,
        );
        // Only an address still held by that subscriber: a static address has no allocation row,
        // and one already reassigned after a newer login must stay where it is.
        const freed = await tx.execute(sql`
          update ${t.ipAllocations} as a
          set subscriber_id = null, session_id = null, allocated_at = null
          from (values ${pairs}) as v(subscriber_id, address)
          where a.subscriber_id = v.subscriber_id and a.address = v.address
            and not exists (
              select 1 from ${t.radacct} r
              where r.subscriber_id = v.subscriber_id and r.framed_ip_address = v.address and r.stop_time is null)
          returning a.address`);
        released = freed.length;
      }
      return { tenantId: tenant.id, closed: closed.length, released };
    });
    if (r.closed > 0) {
      results.push(r);
      await deps.publish?.(RADIUS_SUBSCRIBER_CHANNEL, JSON.stringify({ tenantId: tenant.id })).catch(() => {});
    }
  }
  return results;
}
