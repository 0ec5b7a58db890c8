import { Gauge, Histogram } from "prom-client";
import { fresh } from "./health.ts";

export const workerJobSeconds = new Histogram({
  name: "proxpanel_worker_job_duration_seconds",
  help: "Worker job runs by job and outcome (the _count series counts runs)",
  labelNames: ["job", "outcome"] as const,
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 1800],
});

/** proxpanel_mail_queue_depth{status}: the system outbox, read at scrape time. */
export function registerMailQueueGauge(read: () => Promise<{ status: string; n: number }[]>): void {
  new Gauge({
    name: fresh("proxpanel_mail_queue_depth"),
    help: "Messages in public.mail_outbox waiting (queued) or given up (failed)",
    labelNames: ["status"] as const,
    async collect() {
      this.reset();
      const rows = await read().catch(() => []);
      for (const r of rows) this.set({ status: r.status }, r.n);
    },
  });
}
