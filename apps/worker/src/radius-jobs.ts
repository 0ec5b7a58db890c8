import type { Db, TenantClientCache } from "@proxpanel/db";
import { probeStatusServer } from "@proxpanel/radius/status-probe";
import type { SharedState, TenantKeyRing } from "@proxpanel/tenancy";
import type { Cron } from "croner";
import type { Logger } from "pino";
import { checkNasHealth } from "./nas-health.ts";
import { disconnectExpired } from "./radius-expiry.ts";
import { closeStaleSessions } from "./radius-stale.ts";
import { pruneTraffic, refreshUsage } from "./traffic-retention.ts";

export interface RadiusJobDeps {
  db: Db;
  tenantClients: TenantClientCache;
  logger: Logger;
  /** Needed to unseal NAS secrets for Disconnect; without it the expiry job is not started. */
  keys?: Pick<TenantKeyRing, "forTenant">;
  /** The same key ring under the notifications' name: Status-Server probes need NAS secrets too. */
  notifyKeys?: Pick<TenantKeyRing, "forTenant">;
  state?: SharedState;
  config?: { RADIUS_INTERIM_INTERVAL?: number };
}

type Job = (name: string, pattern: string, fn: () => Promise<unknown>) => Cron;

/** Stale-session closing, NAS health and expiry disconnects every minute; traffic retention hourly. */
export function radiusJobs(deps: RadiusJobDeps, job: Job): Cron[] {
  const log = deps.logger.child({ component: "radius-jobs" });
  const interimIntervalSeconds = deps.config?.RADIUS_INTERIM_INTERVAL ?? 300;
  const state = deps.state;
  const jobs = [
    job("radius-stale-sessions", "* * * * *", async () => {
      const closed = await closeStaleSessions(
        {
          db: deps.db,
          tenantClients: deps.tenantClients,
          ...(state ? { publish: (channel: string, message: string) => state.publish(channel, message) } : {}),
        },
        { interimIntervalSeconds },
      );
      for (const r of closed) log.info(r, "stale radius sessions closed");
    }),
    job("nas-health", "* * * * *", async () => {
      const probeKeys = deps.keys ?? deps.notifyKeys;
      const changes = await checkNasHealth(
        {
          db: deps.db,
          tenantClients: deps.tenantClients,
          probe: (target) => probeStatusServer(target),
          ...(probeKeys ? { keys: probeKeys } : {}),
        },
        { interimIntervalSeconds },
      );
      for (const c of changes) log.info(c, "nas health changed");
    }),
    job("traffic-retention", "7 * * * *", async () => {
      await refreshUsage(deps);
      const pruned = await pruneTraffic(deps);
      for (const p of pruned) log.info(p, "traffic roll-ups pruned");
    }),
  ];
  const keys = deps.keys;
  if (keys) {
    jobs.push(
      job("radius-expiry-disconnect", "* * * * *", async () => {
        const sent = await disconnectExpired({
          db: deps.db,
          keys,
          onError: (err, where) => log.warn({ err: String(err), where }, "radius disconnect"),
        });
        for (const r of sent) log.info(r, "expired subscriber disconnected");
      }),
    );
  } else {
    log.info("expiry disconnects off: no tenant key ring in this process");
  }
  return jobs;
}
