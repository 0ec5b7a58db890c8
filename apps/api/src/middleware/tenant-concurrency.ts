import {
  apiTenantLabel,
  tenantConcurrencyRefusals,
  tenantConcurrencyWaitSeconds,
  tenantConcurrencyWaits,
} from "@proxpanel/metrics/api";
import { createMiddleware } from "hono/factory";
import type { AppDeps } from "../deps.ts";
import type { AppEnv } from "../env.ts";
import { AppError, ErrorCode } from "../errors.ts";

interface Gate {
  active: number;
  waiting: (() => void)[];
}

/**
 * A per-tenant ceiling on requests in flight in this instance. Requests hold their slot for their
 * whole life, database work included, so one tenant's slow report can occupy at most
 * TENANT_CONCURRENCY of the pool's connections; everyone else keeps the rest. Excess requests wait
 * in FIFO order and give up with 503 after TENANT_QUEUE_TIMEOUT_MS.
 *
 * While other tenants have requests in flight, a tenant's waiting requests are admitted only up to
 * its share, TENANT_CONCURRENCY divided by the tenants in flight (at least one): a tenant with a
 * backlog keeps the slots it already holds, but does not refill them past its share while another
 * tenant is being served on the same event loop and pool. Once it is alone again, its waiters are
 * admitted up to the full ceiling.
 */
export function tenantConcurrency(deps: AppDeps) {
  const limit = deps.config.TENANT_CONCURRENCY;
  const timeoutMs = deps.config.TENANT_QUEUE_TIMEOUT_MS;
  const gates = new Map<string, Gate>();
  /** Gates with requests in flight. */
  let inFlight = 0;
  /** Gates with requests waiting. */
  const backlogged = new Set<Gate>();

  /** How many slots this tenant may fill now. */
  const cap = (gate: Gate): number => {
    const others = inFlight - (gate.active > 0 ? 1 : 0);
    return others === 0 ? limit : Math.max(1, Math.floor(limit / (others + 1)));
  };

  const take = (gate: Gate) => {
    gate.active += 1;
    if (gate.active === 1) inFlight += 1;
  };

  /** Admits this tenant's waiters, oldest first, while it is under its cap. */
  const admit = (gate: Gate) => {
    while (gate.waiting.length > 0 && gate.active < cap(gate)) {
      take(gate);
      gate.waiting.shift()?.();
    }
    if (gate.waiting.length === 0) backlogged.delete(gate);
  };

  const acquire = (tenantId: string): Promise<void> | undefined => {
    let gate = gates.get(tenantId);
    if (!gate) {
      gate = { active: 0, waiting: [] };
      gates.set(tenantId, gate);
    }
    if (gate.waiting.length === 0 && gate.active < cap(gate)) {
      take(gate);
      return undefined;
    }
    const g = gate;
    tenantConcurrencyWaits.inc({ tenant: apiTenantLabel(tenantId) });
    const waited = tenantConcurrencyWaitSeconds.startTimer();
    return new Promise<void>((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        waited();
        resolve();
      };
      const timer = setTimeout(() => {
        g.waiting.splice(g.waiting.indexOf(wake), 1);
        if (g.waiting.length === 0) backlogged.delete(g);
        if (g.active === 0 && g.waiting.length === 0) gates.delete(tenantId);
        waited();
        tenantConcurrencyRefusals.inc({ tenant: apiTenantLabel(tenantId) });
        reject(
          new AppError(
            503,
            ErrorCode.tenantBusy,
            "This workspace has too many requests in progress; retry shortly.",
            undefined,
            {
              "Retry-After": "2",
            },
          ),
        );
      }, timeoutMs);
      g.waiting.push(wake);
      backlogged.add(g);
    });
  };

  const release = (tenantId: string) => {
    const gate = gates.get(tenantId);
    if (!gate) return;
    gate.active -= 1;
    const idle = gate.active === 0;
    if (idle) inFlight -= 1;
    admit(gate);
    if (gate.active === 0 && gate.waiting.length === 0) gates.delete(tenantId);
    // One tenant fewer in flight: every other backlogged tenant's share grew.
    if (idle && gate.active === 0) for (const other of backlogged) admit(other);
  };

  return createMiddleware<AppEnv>(async (c, next) => {
    const site = c.get("site");
    if (site.kind !== "tenant") return next();
    const id = site.tenant.id;
    await acquire(id);
    try {
      await next();
    } finally {
      release(id);
    }
  });
}
