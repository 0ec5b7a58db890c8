import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { RadiusCounters } from "./counters.ts";

/** The slice of the shared state (Redis or in-process) the stats channel needs. */
export interface StatsBus {
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
}

/**
 * RADIUS daemons publish their counters on the shared bus (Redis pub/sub in a cluster, the
 * in-process bus otherwise) and every API instance keeps the latest snapshot per daemon, keyed by
 * instance id, until its TTL runs out. The shared state offers a bus but no key/value store, and
 * the bus is enough: a daemon that stops simply ages out after `ttlMs`.
 */
export const RADIUS_STATS_CHANNEL = "radius:stats";
export const STATS_INTERVAL_MS = 5_000;
/** Three missed intervals before a daemon counts as gone. */
export const STATS_TTL_MS = 3 * STATS_INTERVAL_MS;

export type CounterName = keyof RadiusCounters;

export interface RadiusStatsSnapshot {
  instanceId: string;
  host: string;
  /** Unix ms when the snapshot was taken. */
  at: number;
  ttlMs: number;
  /** Events per second over the last interval (0 for the first snapshot). */
  rates: Record<CounterName, number>;
  totals: RadiusCounters;
}

export interface StatsPublisherOptions {
  state: StatsBus;
  /** The daemon's live counters object (read, never written). */
  counters: RadiusCounters;
  instanceId?: string;
  intervalMs?: number;
  onError?: (err: unknown) => void;
}

export interface StatsPublisher {
  readonly instanceId: string;
  /** Takes and publishes one snapshot now (also what the timer does). */
  publishNow(): Promise<RadiusStatsSnapshot>;
  stop(): void;
}

/** Rates from two readings of the monotonic counters; a counter that went back (restart) reads 0. */
export function counterRates(
  previous: RadiusCounters | undefined,
  current: RadiusCounters,
  elapsedMs: number,
): Record<CounterName, number> {
  const rates = {} as Record<CounterName, number>;
  for (const key of Object.keys(current) as CounterName[]) {
    const delta = previous ? current[key] - previous[key] : 0;
    rates[key] = elapsedMs > 0 && delta > 0 ? Math.round((delta * 1000 * 100) / elapsedMs) / 100 : 0;
  }
  return rates;
}

export function startStatsPublisher(options: StatsPublisherOptions): StatsPublisher {
  const instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const intervalMs = options.intervalMs ?? STATS_INTERVAL_MS;
  let previous: { totals: RadiusCounters; at: number } | undefined;

  const publishNow = async (): Promise<RadiusStatsSnapshot> => {
    const at = Date.now();
    const totals = { ...options.counters };
    const snapshot: RadiusStatsSnapshot = {
      instanceId,
      host: hostname(),
      at,
      // Never shorter than a few intervals, or a slow tick would flap the daemon in and out.
      ttlMs: Math.max(STATS_TTL_MS, 3 * intervalMs),
      rates: counterRates(previous?.totals, totals, previous ? at - previous.at : 0),
      totals,
    };
    previous = { totals, at };
    await options.state.publish(RADIUS_STATS_CHANNEL, JSON.stringify(snapshot));
    return snapshot;
  };

  const tick = () => void publishNow().catch((err: unknown) => options.onError?.(err));
  tick();
  const timer = setInterval(tick, intervalMs);
  // Statistics must never keep a process alive on their own.
  timer.unref();
  return { instanceId, publishNow, stop: () => clearInterval(timer) };
}

function isSnapshot(v: unknown): v is RadiusStatsSnapshot {
  if (!v || typeof v !== "object") return false;
  const s = v as Partial<RadiusStatsSnapshot>;
  return (
    typeof s.instanceId === "string" &&
    typeof s.at === "number" &&
    typeof s.ttlMs === "number" &&
    typeof s.rates === "object" &&
    typeof s.totals === "object"
  );
}

/** The reading side (API instances): the latest live snapshot of every daemon. */
export class RadiusStatsCollector {
  private readonly latest = new Map<string, { snapshot: RadiusStatsSnapshot; expiresAt: number }>();
  private unsubscribe: (() => Promise<void>) | undefined;
  readonly ready: Promise<void>;

  constructor(state: StatsBus) {
    this.ready = state
      .subscribe(RADIUS_STATS_CHANNEL, (message) => this.accept(message))
      .then((off) => {
        this.unsubscribe = off;
      })
      .catch(() => {
        // Without a bus there is simply nothing to show; health reports "no daemons".
      });
  }

  private accept(message: string) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    if (!isSnapshot(parsed)) return;
    // Our clock, not the sender's: a daemon with a skewed clock must not live forever or never.
    this.latest.set(parsed.instanceId, { snapshot: parsed, expiresAt: Date.now() + parsed.ttlMs });
  }

  snapshots(now = Date.now()): RadiusStatsSnapshot[] {
    const live: RadiusStatsSnapshot[] = [];
    for (const [id, entry] of this.latest) {
      if (entry.expiresAt <= now) this.latest.delete(id);
      else live.push(entry.snapshot);
    }
    return live.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  }

  async close() {
    await this.ready;
    await this.unsubscribe?.();
  }
}
