import fs from "node:fs/promises";
import path from "node:path";
import { Gauge, register } from "prom-client";

/** Scrape-time gauges are bound to one process's handles: a second registration replaces the first. */
export function fresh(name: string): string {
  if (register.getSingleMetric(name)) register.removeSingleMetric(name);
  return name;
}

/** Reads at scrape time; a probe that throws reads as down, never as a failed scrape. */
async function probe(check: () => Promise<unknown>): Promise<number> {
  try {
    return (await check()) === false ? 0 : 1;
  } catch {
    return 0;
  }
}

export interface HealthProbes {
  /** `select 1` on the process's pool. */
  postgres: () => Promise<unknown>;
  /** The shared state's ping: Redis when REDIS_URL is set, else LISTEN/NOTIFY or in-process. */
  sharedState?: { kind: string; ping: () => Promise<boolean> };
}

/** proxpanel_postgres_up, proxpanel_redis_up (Redis only) and proxpanel_shared_state_up{kind}. */
export function registerHealthGauges(probes: HealthProbes): void {
  new Gauge({
    name: fresh("proxpanel_postgres_up"),
    help: "1 when this process's pool answers select 1",
    async collect() {
      this.set(await probe(probes.postgres));
    },
  });
  const state = probes.sharedState;
  if (!state) return;
  new Gauge({
    name: fresh("proxpanel_shared_state_up"),
    help: "1 when the shared state (Redis, PostgreSQL LISTEN/NOTIFY or in-process) answers",
    labelNames: ["kind"] as const,
    async collect() {
      this.set({ kind: state.kind }, await probe(state.ping));
    },
  });
  if (state.kind === "redis") {
    new Gauge({
      name: fresh("proxpanel_redis_up"),
      help: "1 when Redis answers PING",
      async collect() {
        this.set(await probe(state.ping));
      },
    });
  }
}

async function bytesUnder(dir: string): Promise<number> {
  let total = 0;
  let entries: import("node:fs").Dirent[];
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await bytesUnder(p);
    else if (e.isFile())
      total += await fs.stat(p).then(
        (s) => s.size,
        () => 0,
      );
  }
  return total;
}

/** Bytes waiting in the backup staging directory (archives not yet uploaded, partial dumps). */
export function registerStagingGauge(stagingDir: string): void {
  new Gauge({
    name: fresh("proxpanel_backup_staging_bytes"),
    help: "Bytes in the backup staging directory",
    async collect() {
      this.set(await bytesUnder(stagingDir));
    },
  });
}

/**
 * PostgreSQL's view of the installation's connections (postgres.js does not expose its pool's
 * counters): `read` lists backends by state; `active` near DB_POOL_MAX × instances means requests
 * wait for a connection.
 */
export function registerDbConnectionGauges(read: () => Promise<{ state: string; n: number }[]>, poolMax: number): void {
  new Gauge({
    name: fresh("proxpanel_db_connections"),
    help: "PostgreSQL backends of application proxpanel on this database, by state (all processes)",
    labelNames: ["state"] as const,
    async collect() {
      this.reset();
      for (const r of await read().catch(() => [])) this.set({ state: r.state }, r.n);
    },
  });
  new Gauge({
    name: fresh("proxpanel_db_pool_max"),
    help: "DB_POOL_MAX: connections one API instance may open",
    collect() {
      this.set(poolMax);
    },
  });
}
