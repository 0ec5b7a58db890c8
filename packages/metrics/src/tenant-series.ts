import type { Counter, Gauge, Histogram } from "prom-client";
import { TopTenants } from "./top-tenants.ts";

type AnyMetric = Counter<string> | Gauge<string> | Histogram<string>;

/** Drops every series of `tenant` from metrics that carry a `tenant` label. */
async function removeTenant(metrics: AnyMetric[], tenant: string): Promise<void> {
  for (const m of metrics) {
    const { values } = await m.get();
    const seen = new Set<string>();
    for (const v of values) {
      if (v.labels.tenant !== tenant) continue;
      // A histogram lists each series once per bucket; remove it once.
      const { le: _le, ...labels } = v.labels as Record<string, string | number>;
      const key = JSON.stringify(labels);
      if (seen.has(key)) continue;
      seen.add(key);
      m.remove(labels);
    }
  }
}

/** A TopTenants whose evictions remove the tenant's series from the given metrics. */
export function topTenantsFor(n: number, metrics: AnyMetric[], rerankEveryMs?: number): TopTenants {
  return new TopTenants(n, (t) => void removeTenant(metrics, t).catch(() => undefined), rerankEveryMs);
}
