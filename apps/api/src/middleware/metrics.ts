import { apiTenantLabel, httpDuration, httpRequests } from "@proxpanel/metrics/api";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "../env.ts";

/**
 * The route pattern that answered (`/api/subscribers/:id`), never the raw path: ids in label
 * values would make a series per row. Middleware entries (method ALL) are skipped; a request no
 * route matched is `panel` outside /api (the SPA fallback) and `unmatched` inside.
 */
function routeLabel(c: Context<AppEnv>): string {
  const handlers = matchedRoutes(c).filter((r) => r.method !== "ALL");
  const last = handlers[handlers.length - 1];
  if (last) return last.path;
  return c.req.path.startsWith("/api/") ? "unmatched" : "panel";
}

/** Counts and times every request; the tenant label is bounded (METRICS_TOP_TENANTS). */
export function httpMetrics() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const started = performance.now();
    await next();
    const route = routeLabel(c);
    const method = c.req.method;
    const site = c.get("site");
    const tenant = apiTenantLabel(site?.kind === "tenant" ? site.tenant.id : undefined);
    httpRequests.inc({ route, method, status: String(c.res.status), tenant });
    httpDuration.observe({ route, method }, (performance.now() - started) / 1000);
  });
}
