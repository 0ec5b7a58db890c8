import type { Config } from "@proxpanel/config";
import { type Db, mailOutbox } from "@proxpanel/db";
import {
  initProcessMetrics,
  type MetricsServer,
  registerHealthGauges,
  registerStagingGauge,
  startMetricsServer,
} from "@proxpanel/metrics";
import { registerMailQueueGauge } from "@proxpanel/metrics/worker";
import type { SharedState } from "@proxpanel/tenancy";
import { count, inArray, sql } from "drizzle-orm";

/**
 * The worker's scrape endpoint (WORKER_METRICS_PORT on METRICS_HOST): job runs (recorded by the
 * job wrapper), backups it makes, the staging directory, the mail outbox, PostgreSQL and the bus.
 */
export async function startWorkerMetrics(
  config: Config,
  handles: { db: Db; state: SharedState; stagingDir: string },
): Promise<MetricsServer | undefined> {
  if (!config.METRICS_ENABLED) return undefined;
  initProcessMetrics("worker");
  registerHealthGauges({
    postgres: () => handles.db.execute(sql`select 1`),
    sharedState: { kind: handles.state.kind, ping: () => handles.state.ping() },
  });
  registerStagingGauge(handles.stagingDir);
  registerMailQueueGauge(() =>
    handles.db
      .select({ status: mailOutbox.status, n: count() })
      .from(mailOutbox)
      .where(inArray(mailOutbox.status, ["queued", "failed"]))
      .groupBy(mailOutbox.status),
  );
  return startMetricsServer({ host: config.METRICS_HOST, port: config.WORKER_METRICS_PORT });
}
