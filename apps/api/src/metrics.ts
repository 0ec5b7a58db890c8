import {
  initProcessMetrics,
  type MetricsServer,
  registerDbConnectionGauges,
  registerHealthGauges,
  registerStagingGauge,
  startMetricsServer,
} from "@proxpanel/metrics";
import { setApiTopTenants } from "@proxpanel/metrics/api";
import { sql } from "drizzle-orm";
import type { AppDeps } from "./deps.ts";

type Deps = Pick<AppDeps, "db" | "sql" | "state" | "config" | "backup">;

/** Registers the API's scrape-time series; the request series are recorded by the middleware. */
export function registerApiMetrics(deps: Deps): void {
  initProcessMetrics("api");
  setApiTopTenants(deps.config.METRICS_TOP_TENANTS);
  registerHealthGauges({
    postgres: () => deps.db.execute(sql`select 1`),
    sharedState: { kind: deps.state.kind, ping: () => deps.state.ping() },
  });
  registerStagingGauge(deps.backup.stagingDir);
  registerDbConnectionGauges(
    () => deps.sql<{ state: string; n: number }[]>`
      select coalesce(state, 'unknown') as state, count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = 'proxpanel' group by 1`,
    deps.config.DB_POOL_MAX,
  );
}

/** The API's scrape endpoint (API_METRICS_PORT on METRICS_HOST); undefined when switched off. */
export async function startApiMetrics(deps: Deps): Promise<MetricsServer | undefined> {
  if (!deps.config.METRICS_ENABLED) return undefined;
  registerApiMetrics(deps);
  return startMetricsServer({ host: deps.config.METRICS_HOST, port: deps.config.API_METRICS_PORT });
}
