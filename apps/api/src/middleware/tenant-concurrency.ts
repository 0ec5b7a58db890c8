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
 */
export function tenantConcurrency(deps: AppDeps) {
  const limit = deps.config.TENANT_CONCURRENCY;
  const timeoutMs = deps.config.TENANT_QUEUE_TIMEOUT_MS;
  const gates = new Map<string, Gate>();

  const acquire = (tenantId: string): Promise<void> | undefined => {
    let gate = gates.get(tenantId);
    if (!gate) {
      gate = { active: 0, waiting: [] };
      gates.set(tenantId, gate);
    }
    if (gate.active < limit) {
      gate.active += 1;
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
    });
  };

  const release = (tenantId: string) => {
    const gate = gates.get(tenantId);
    if (!gate) return;
    const next = gate.waiting.shift();
    // The slot passes straight to the next waiter; otherwise it is freed.
    if (next) next();
    else {
      gate.active -= 1;
      if (gate.active === 0) gates.delete(tenantId);
    }
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
