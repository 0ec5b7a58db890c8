import { assertSchemaName } from "@proxpanel/db";
import { applyDynAuth, type DynAuthDeps, type DynAuthOutcome } from "@proxpanel/dynauth";
import { sql } from "drizzle-orm";
import { liveTenants } from "./live-tenants.ts";

export interface ExpiryDisconnectResult {
  tenantId: string;
  subscriberId: string;
  outcomes: DynAuthOutcome[];
}

/**
 * Subscribers whose expiry has passed but who still have a session open get a Disconnect-Request.
 * Session-Timeout already ends sessions at expiry; this covers renewals shortened afterwards and NAS
 * that ignore Session-Timeout. Only expiries within `lookbackMinutes`: a NAS that never answers is
 * not asked every minute forever (the stale-session job closes its rows).
 */
export async function disconnectExpired(
  deps: DynAuthDeps,
  opts: { now?: Date; lookbackMinutes?: number; tenantIds?: string[] } = {},
): Promise<ExpiryDisconnectResult[]> {
  const now = opts.now ?? new Date();
  const since = new Date(now.getTime() - (opts.lookbackMinutes ?? 60) * 60_000);
  const live = await liveTenants(deps.db, opts.tenantIds);
  const results: ExpiryDisconnectResult[] = [];
  for (const tenant of live) {
    assertSchemaName(tenant.schemaName);
    const due = await deps.db.execute<{ id: string }>(sql`
      select s.id from ${sql.raw(`"${tenant.schemaName}".subscribers`)} s
      where s.expires_at <= ${now.toISOString()}::timestamptz and s.expires_at > ${since.toISOString()}::timestamptz
        and exists (select 1 from ${sql.raw(`"${tenant.schemaName}".radacct`)} r
                    where r.subscriber_id = s.id and r.stop_time is null)`);
    for (const { id } of due) {
      const outcomes = await applyDynAuth(deps, tenant, id, { kind: "disconnect", reason: "expired" });
      results.push({ tenantId: tenant.id, subscriberId: id, outcomes });
    }
  }
  return results;
}
