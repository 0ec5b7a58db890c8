import { collectDefaultMetrics, register } from "prom-client";

/**
 * Each process has one registry: prom-client's global one. Metrics are defined once per module
 * (so a package such as @proxpanel/backup records into the same registry whichever process runs
 * it) and the process labels itself through the default labels.
 */
let started = false;
export function initProcessMetrics(processName: "api" | "radius" | "worker"): void {
  if (started) return;
  started = true;
  register.setDefaultLabels({ process: processName });
  collectDefaultMetrics({ prefix: "proxpanel_" });
}

export { register };
