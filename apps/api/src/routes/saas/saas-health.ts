import type { RadiusStatsCollector, RadiusStatsSnapshot } from "@proxpanel/radius/stats";
import { sql } from "drizzle-orm";
import type { AppDeps } from "../../deps.ts";

type Deps = Pick<AppDeps, "db" | "state" | "backup">;

export interface Probe {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

/** Runs a check with a deadline, so one hung dependency cannot hang the whole health page. */
async function probe(fn: () => Promise<unknown>, timeoutMs = 3_000): Promise<Probe> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    const value = await Promise.race([fn(), timeout]);
    const ok = value !== false;
    return { ok, latencyMs: Math.round((performance.now() - started) * 10) / 10, ...(ok ? {} : { error: "failed" }) };
  } catch (err) {
    return {
      ok: false,
      latencyMs: Math.round((performance.now() - started) * 10) / 10,
      error: err instanceof Error ? err.message : String(err),
    };
  } finally {
    clearTimeout(timer);
  }
}

async function databaseHealth(deps: Deps) {
  let stats: { max: number; total: number; byState: Record<string, number>; ours: number } | undefined;
  const check = await probe(async () => {
    const rows = (await deps.db.execute(sql`
      select current_setting('max_connections')::int as max,
             coalesce(state, 'background') as state,
             (datname = current_database()) as ours,
             count(*)::int as n
      from pg_stat_activity
      group by 2, 3`)) as unknown as { max: number; state: string; ours: boolean; n: number }[];
    const byState: Record<string, number> = {};
    let total = 0;
    let ours = 0;
    let max = 0;
    for (const r of rows) {
      max = r.max;
      total += r.n;
      if (r.ours) ours += r.n;
      byState[r.state] = (byState[r.state] ?? 0) + r.n;
    }
    // An empty result still needs the limit (it cannot be: our own query is a connection).
    stats = { max, total, byState, ours };
  });
  return {
    ...check,
    maxConnections: stats?.max ?? null,
    connections: stats?.total ?? null,
    connectionsToThisDatabase: stats?.ours ?? null,
    byState: stats?.byState ?? {},
    percentUsed: stats && stats.max > 0 ? Math.round((stats.total / stats.max) * 1000) / 10 : null,
  };
}

function radiusHealth(collector: RadiusStatsCollector | undefined) {
  const instances: RadiusStatsSnapshot[] = collector?.snapshots() ?? [];
  const sum = (pick: (s: RadiusStatsSnapshot) => number) =>
    Math.round(instances.reduce((n, s) => n + pick(s), 0) * 100) / 100;
  return {
    instances: instances.map((s) => ({
      instanceId: s.instanceId,
      host: s.host,
      at: new Date(s.at).toISOString(),
      rates: s.rates,
      totals: s.totals,
    })),
    // Per second, over every live daemon.
    rates: {
      received: sum((s) => s.rates.received),
      accessRequests: sum((s) => s.rates.accessRequests),
      accessAccepts: sum((s) => s.rates.accessAccepts),
      accessRejects: sum((s) => s.rates.accessRejects),
      accountingRequests: sum((s) => s.rates.accountingRequests),
      // Every drop reason, including ones a newer daemon adds.
      dropped: sum((s) =>
        Object.entries(s.rates).reduce((n, [k, v]) => (k.startsWith("dropped") && Number.isFinite(v) ? n + v : n), 0),
      ),
      errors: sum((s) => s.rates.errors ?? 0),
    },
  };
}

/** Database connections, shared state, object store and RADIUS rates, probed concurrently. */
export async function systemHealth(deps: Deps, radius: RadiusStatsCollector | undefined) {
  const [database, redis, store] = await Promise.all([
    databaseHealth(deps),
    probe(() => deps.state.ping()),
    // A stat of a key that never exists: reachable and authorised when it answers "not there".
    probe(() => deps.backup.store.stat("health-probe/absent")),
  ]);
  return {
    checkedAt: new Date().toISOString(),
    database,
    sharedState: { kind: deps.state.kind, ...redis },
    objectStore: store,
    radius: radiusHealth(radius),
  };
}
