import { Counter, Histogram } from "prom-client";
import { topTenantsFor } from "./tenant-series.ts";
import type { TopTenants } from "./top-tenants.ts";

/** API series. Per-tenant labels go through `apiTenants` (bounded, see top-tenants.ts). */
export const httpRequests = new Counter({
  name: "proxpanel_http_requests_total",
  help: "HTTP requests answered, by route pattern, method, status and tenant (top N, else other)",
  labelNames: ["route", "method", "status", "tenant"] as const,
});

export const httpDuration = new Histogram({
  name: "proxpanel_http_request_duration_seconds",
  help: "HTTP request latency by route pattern and method (no tenant label: buckets × tenants is too many series)",
  labelNames: ["route", "method"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

export const tenantConcurrencyWaits = new Counter({
  name: "proxpanel_tenant_concurrency_waits_total",
  help: "Requests that queued behind TENANT_CONCURRENCY, by tenant (top N, else other)",
  labelNames: ["tenant"] as const,
});

export const tenantConcurrencyRefusals = new Counter({
  name: "proxpanel_tenant_concurrency_refusals_total",
  help: "Requests refused with 503 tenant_busy after waiting TENANT_QUEUE_TIMEOUT_MS, by tenant",
  labelNames: ["tenant"] as const,
});

export const tenantConcurrencyWaitSeconds = new Histogram({
  name: "proxpanel_tenant_concurrency_wait_seconds",
  help: "Time a request waited for its tenant's concurrency slot",
  buckets: [0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10],
});

export const rateLimitRefusals = new Counter({
  name: "proxpanel_rate_limit_refusals_total",
  help: "Requests refused with 429, by budget (tenant, anon_ip, anon_tenant) and tenant",
  labelNames: ["budget", "tenant"] as const,
});

let tenants: TopTenants | undefined;
let topN = 20;
/** METRICS_TOP_TENANTS; set before the first request. */
export function setApiTopTenants(n: number): void {
  topN = n;
}

/** The API's bounded tenant label ("none" outside a tenant host), created on first use. */
export function apiTenantLabel(tenantId: string | undefined): string {
  if (!tenantId) return "none";
  tenants ??= topTenantsFor(topN, [httpRequests, tenantConcurrencyWaits, tenantConcurrencyRefusals, rateLimitRefusals]);
  return tenants.label(tenantId);
}
