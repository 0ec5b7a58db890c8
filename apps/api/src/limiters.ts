import type { Config } from "@proxpanel/config";
import type { SharedState } from "@proxpanel/tenancy";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { TenantBlocks } from "./early-refusal.ts";

// Its own module: deps.ts names the type and the middleware reads deps, so neither imports the other.
export interface Limiters {
  tenantRequests: RateLimiterAbstract;
  /** The short windows the minute's signed-in budget is handed out in (absent when the burst covers the minute). */
  tenantBurst: { limiter: RateLimiterAbstract; points: number; duration: number } | undefined;
  anonymousPerIp: RateLimiterAbstract;
  anonymousPerTenant: RateLimiterAbstract;
  loginAccount: RateLimiterAbstract;
  loginIp: RateLimiterAbstract;
  /** Tenants whose signed-in budget is spent, refused before the app until the window ends (early-refusal.ts). */
  tenantBlocks: TenantBlocks;
}

const LOGIN_WINDOW_S = 15 * 60;

/**
 * The short window of the signed-in budget: TENANT_RATE_LIMIT_BURST requests per that burst's share
 * of the minute (whole seconds, as the shared counter keeps them; at least one second, and at
 * least one second's share of requests), so the minute's TENANT_RATE_LIMIT_PER_MIN arrive spread
 * over it instead of all at its start. The minute's own budget still caps the total. Undefined
 * when the burst is the whole minute's budget or more (the minute alone counts, as before).
 */
export function tenantBurstWindow(
  config: Pick<Config, "TENANT_RATE_LIMIT_PER_MIN" | "TENANT_RATE_LIMIT_BURST">,
): { points: number; duration: number } | undefined {
  const perMin = config.TENANT_RATE_LIMIT_PER_MIN;
  const burst = config.TENANT_RATE_LIMIT_BURST;
  if (burst >= perMin) return undefined;
  const duration = Math.max(1, Math.floor((60 * burst) / perMin));
  return { points: Math.max(burst, Math.ceil((perMin * duration) / 60)), duration };
}

export function createLimiters(state: SharedState, config: Config): Limiters {
  const burst = tenantBurstWindow(config);
  return {
    tenantRequests: state.rateLimiter({ points: config.TENANT_RATE_LIMIT_PER_MIN, duration: 60 }),
    tenantBurst: burst && { limiter: state.rateLimiter(burst), ...burst },
    anonymousPerIp: state.rateLimiter({ points: config.ANON_RATE_LIMIT_PER_MIN_PER_IP, duration: 60 }),
    anonymousPerTenant: state.rateLimiter({ points: config.ANON_RATE_LIMIT_PER_MIN, duration: 60 }),
    loginAccount: state.rateLimiter({ points: config.LOGIN_MAX_FAILURES_PER_ACCOUNT, duration: LOGIN_WINDOW_S }),
    loginIp: state.rateLimiter({ points: config.LOGIN_MAX_FAILURES_PER_IP, duration: LOGIN_WINDOW_S }),
    tenantBlocks: new TenantBlocks(),
  };
}
