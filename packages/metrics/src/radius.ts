import { Counter, Gauge, Histogram } from "prom-client";
import { fresh } from "./health.ts";

/** What the daemon exposes to its exporter: its plain counters and its fair queue. */
export interface RadiusReadings {
  counters: Readonly<Record<string, number>>;
  /** Packets waiting per tenant in the fair queue right now. */
  queueDepths(): Map<string, number>;
  /** Packets dropped because the tenant's queue was full, per tenant (monotonic). */
  tenantQueueDrops: ReadonlyMap<string, number>;
  /** False while the daemon is starting (NAS routes loading, packets held). */
  ready?: () => boolean;
  /** Packets held until the daemon is ready. */
  heldPackets?: () => number;
}

/** Counter field → reason label of proxpanel_radius_dropped_total. */
const DROPS: Record<string, string> = {
  droppedMalformed: "malformed",
  droppedUnknownNas: "unknown_nas",
  droppedBadAuthenticator: "bad_authenticator",
  droppedBadMessageAuthenticator: "bad_message_authenticator",
  droppedMissingMessageAuthenticator: "missing_message_authenticator",
  droppedUnsupportedCode: "unsupported_code",
  droppedQueueFull: "queue_full",
  droppedStarting: "starting",
  duplicates: "duplicate",
  duplicatesInFlight: "duplicate_in_flight",
  accountingIgnored: "accounting_ignored",
};

/** Counters read from the daemon at scrape time (reset, then set: the source is monotonic). */
function mirrored(name: string, help: string, labelNames: string[], read: (c: Counter<string>) => void) {
  return new Counter({
    name: fresh(name),
    help,
    labelNames,
    collect() {
      this.reset();
      read(this);
    },
  });
}

/** Registers the RADIUS daemon's series; per-tenant ones for the top N tenants by queue depth and drops. */
export function registerRadiusMetrics(r: RadiusReadings, topN = 20): void {
  const c = r.counters;
  mirrored("proxpanel_radius_requests_total", "RADIUS requests received, by type", ["type"], (m) => {
    m.inc({ type: "access" }, c.accessRequests ?? 0);
    m.inc({ type: "accounting" }, c.accountingRequests ?? 0);
    m.inc({ type: "status_server" }, c.statusServer ?? 0);
  });
  mirrored("proxpanel_radius_responses_total", "RADIUS answers sent, by result", ["result"], (m) => {
    m.inc({ result: "accept" }, c.accessAccepts ?? 0);
    m.inc({ result: "reject" }, c.accessRejects ?? 0);
    m.inc({ result: "accounting_response" }, c.accountingResponses ?? 0);
  });
  mirrored("proxpanel_radius_dropped_total", "RADIUS packets dropped or not answered, by reason", ["reason"], (m) => {
    for (const [field, reason] of Object.entries(DROPS)) m.inc({ reason }, c[field] ?? 0);
    m.inc({ reason: "accounting_not_stored" }, c.accountingSinkFailures ?? 0);
  });
  const { ready, heldPackets } = r;
  if (ready) {
    new Gauge({
      name: fresh("proxpanel_radius_ready"),
      help: "1 once every tenant's NAS routes are loaded and packets are answered; 0 while starting (packets held)",
      collect() {
        this.set(ready() ? 1 : 0);
      },
    });
  }
  if (heldPackets) {
    new Gauge({
      name: fresh("proxpanel_radius_held_packets"),
      help: "Packets received while starting, held until the NAS routes are loaded",
      collect() {
        this.set(heldPackets());
      },
    });
  }
  mirrored("proxpanel_radius_errors_total", "RADIUS handling errors", [], (m) => m.inc(c.errors ?? 0));
  // Top N by what matters here (queued + dropped), recomputed at every scrape: nothing to evict.
  const top = (values: Map<string, number>) => {
    const sorted = [...values].sort((a, b) => b[1] - a[1]);
    const out = new Map<string, number>(sorted.slice(0, topN));
    const rest = sorted.slice(topN).reduce((s, [, v]) => s + v, 0);
    if (rest > 0) out.set("other", rest);
    return out;
  };
  new Gauge({
    name: fresh("proxpanel_radius_queue_depth"),
    help: "Packets waiting in the fair queue, by tenant (top N, else other; 'all' is the total)",
    labelNames: ["tenant"] as const,
    collect() {
      this.reset();
      const depths = r.queueDepths();
      let total = 0;
      for (const v of depths.values()) total += v;
      this.set({ tenant: "all" }, total);
      for (const [t, v] of top(depths)) this.set({ tenant: t }, v);
    },
  });
  mirrored(
    "proxpanel_radius_tenant_queue_drops_total",
    "Packets dropped because the tenant's fair-queue share was full (top N tenants, else other)",
    ["tenant"],
    (m) => {
      for (const [t, v] of top(new Map(r.tenantQueueDrops))) m.inc({ tenant: t }, v);
    },
  );
}

export const accountingBatchSize = new Histogram({
  name: "proxpanel_radius_accounting_batch_size",
  help: "Accounting records per batch written to radacct",
  buckets: [1, 5, 10, 50, 100, 250, 500, 1000, 2000],
});

export const accountingFlushSeconds = new Histogram({
  name: "proxpanel_radius_accounting_flush_seconds",
  help: "Time to write one accounting batch (all its tenants' transactions)",
  labelNames: ["outcome"] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});
