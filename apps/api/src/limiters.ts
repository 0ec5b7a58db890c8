import type { Config } from "@proxpanel/config";
import type { SharedState } from "@proxpanel/tenancy";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { TenantBlocks } from "./early-refusal.ts";

// Its own module: deps.ts names the type and the middleware reads deps, so neither imports the other.
export interface Limiters {
  tenantRequests: RateLimiterAbstract;
  anonymousPerIp: RateLimiterAbstract;
  anonymousPerTenant: RateLimiterAbstract;
  loginAccount: RateLimiterAbstract;
  loginIp: RateLimiterAbstract;
  /** Tenants whose signed-in budget is spent, refused before the app until the window ends (early-refusal.ts). */
  tenantBlocks: TenantBlocks;
}

const LOGIN_WINDOW_S = 15 * 60;

export function createLimiters(state: SharedState, config: Config): Limiters {
  return {
    tenantRequests: state.rateLimiter({ points: config.TENANT_RATE_LIMIT_PER_MIN, duration: 60 }),
    anonymousPerIp: state.rateLimiter({ points: config.ANON_RATE_LIMIT_PER_MIN_PER_IP, duration: 60 }),
    anonymousPerTenant: state.rateLimiter({ points: config.ANON_RATE_LIMIT_PER_MIN, duration: 60 }),
    loginAccount: state.rateLimiter({ points: config.LOGIN_MAX_FAILURES_PER_ACCOUNT, duration: LOGIN_WINDOW_S }),
    loginIp: state.rateLimiter({ points: config.LOGIN_MAX_FAILURES_PER_IP, duration: LOGIN_WINDOW_S }),
    tenantBlocks: new TenantBlocks(),
  };
}
