import type { Config } from "@proxpanel/config";
import type { Db } from "@proxpanel/db";
import { initProcessMetrics, type MetricsServer, registerHealthGauges, startMetricsServer } from "@proxpanel/metrics";
import { registerRadiusMetrics } from "@proxpanel/metrics/radius";
import type { RadiusServer } from "@proxpanel/radius";
import type { SharedState } from "@proxpanel/tenancy";
import { sql } from "drizzle-orm";

/**
 * The daemon's scrape endpoint (RADIUS_METRICS_PORT on METRICS_HOST); undefined when switched off.
 * Its /readyz answers 503 `starting` until every tenant's NAS routes are loaded (the sockets open
 * before that and hold packets), then 200 `ready`; `proxpanel_radius_ready` is the same as a gauge.
 */
export async function startRadiusMetrics(
  config: Config,
  handles: { server: RadiusServer; db: Db; state: SharedState },
): Promise<MetricsServer | undefined> {
  if (!config.METRICS_ENABLED) return undefined;
  initProcessMetrics("radius");
  registerRadiusMetrics(
    {
      counters: handles.server.counters as unknown as Record<string, number>,
      queueDepths: () => handles.server.queueDepths(),
      tenantQueueDrops: handles.server.tenantQueueDrops,
      ready: () => handles.server.ready,
      heldPackets: () => handles.server.heldPackets,
    },
    config.METRICS_TOP_TENANTS,
  );
  registerHealthGauges({
    postgres: () => handles.db.execute(sql`select 1`),
    sharedState: { kind: handles.state.kind, ping: () => handles.state.ping() },
  });
  return startMetricsServer({
    host: config.METRICS_HOST,
    port: config.RADIUS_METRICS_PORT,
    ready: () => handles.server.ready,
  });
}
