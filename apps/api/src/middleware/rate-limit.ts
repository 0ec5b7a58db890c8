import type { Config } from "@proxpanel/config";
import type { SharedState } from "@proxpanel/tenancy";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { RateLimiterAbstract, RateLimiterRes } from "rate-limiter-flexible";
import type { AppDeps } from "../deps.ts";
import type { AppEnv } from "../env.ts";
import { AppError, ErrorCode } from "../errors.ts";

export interface Limiters {
  tenantRequests: RateLimiterAbstract;
  loginAccount: RateLimiterAbstract;
  loginIp: RateLimiterAbstract;
}

const LOGIN_WINDOW_S = 15 * 60;

export function createLimiters(state: SharedState, config: Config): Limiters {
  return {
    tenantRequests: state.rateLimiter({ points: config.TENANT_RATE_LIMIT_PER_MIN, duration: 60 }),
    loginAccount: state.rateLimiter({ points: config.LOGIN_MAX_FAILURES_PER_ACCOUNT, duration: LOGIN_WINDOW_S }),
    loginIp: state.rateLimiter({ points: config.LOGIN_MAX_FAILURES_PER_IP, duration: LOGIN_WINDOW_S }),
  };
}

function isLimiterRes(x: unknown): x is RateLimiterRes {
  return typeof x === "object" && x !== null && "msBeforeNext" in x && "remainingPoints" in x;
}

function setHeaders(c: Context<AppEnv>, limit: number, res: RateLimiterRes) {
  c.header("RateLimit-Limit", String(limit));
  c.header("RateLimit-Remaining", String(Math.max(0, res.remainingPoints)));
  c.header("RateLimit-Reset", String(Math.ceil(res.msBeforeNext / 1000)));
}

/** 300 requests a minute per tenant (configurable), counted in shared state under `tenant_<id>:`. */
export function tenantRateLimit(deps: AppDeps) {
  const limit = deps.config.TENANT_RATE_LIMIT_PER_MIN;
  return createMiddleware<AppEnv>(async (c, next) => {
    const tenant = c.get("tenant");
    try {
      const res = await deps.limiters.tenantRequests.consume(`tenant_${tenant.id}:ratelimit`);
      setHeaders(c, limit, res);
    } catch (err) {
      if (!isLimiterRes(err)) throw err;
      setHeaders(c, limit, err);
      const retry = String(Math.ceil(err.msBeforeNext / 1000));
      throw new AppError(429, ErrorCode.rateLimited, "Too many requests for this workspace; slow down.", undefined, {
        "Retry-After": retry,
        "RateLimit-Limit": String(limit),
        "RateLimit-Remaining": "0",
        "RateLimit-Reset": retry,
      });
    }
    await next();
  });
}

/**
 * Login throttling: failures are counted per account and per client address; once either is
 * spent, attempts are refused without checking the password until the window passes.
 */
export class LoginThrottle {
  constructor(private readonly limiters: Limiters) {}

  async assertAllowed(accountKey: string, ip: string): Promise<void> {
    const [account, address] = await Promise.all([
      this.limiters.loginAccount.get(accountKey),
      this.limiters.loginIp.get(`login_ip:${ip}`),
    ]);
    const blocked = [account, address].find((r) => r !== null && r.remainingPoints <= 0);
    if (blocked) {
      const retry = String(Math.ceil(blocked.msBeforeNext / 1000));
      throw new AppError(429, ErrorCode.rateLimited, "Too many failed sign-in attempts; try again later.", undefined, {
        "Retry-After": retry,
      });
    }
  }

  async failed(accountKey: string, ip: string): Promise<void> {
    await Promise.all([
      this.limiters.loginAccount.penalty(accountKey, 1),
      this.limiters.loginIp.penalty(`login_ip:${ip}`, 1),
    ]);
  }

  async succeeded(accountKey: string): Promise<void> {
    await this.limiters.loginAccount.delete(accountKey);
  }
}
