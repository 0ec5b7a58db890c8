import { apiTenantLabel, rateLimitRefusals } from "@proxpanel/metrics/api";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { RateLimiterAbstract, RateLimiterRes } from "rate-limiter-flexible";
import type { AppDeps } from "../deps.ts";
import { TENANT_RATE_LIMIT_MESSAGE } from "../early-refusal.ts";
import type { AppEnv } from "../env.ts";
import { AppError, ErrorCode } from "../errors.ts";
import type { Limiters } from "../limiters.ts";

function isLimiterRes(x: unknown): x is RateLimiterRes {
  return typeof x === "object" && x !== null && "msBeforeNext" in x && "remainingPoints" in x;
}

function setHeaders(c: Context<AppEnv>, limit: number, res: RateLimiterRes) {
  c.header("RateLimit-Limit", String(limit));
  c.header("RateLimit-Remaining", String(Math.max(0, res.remainingPoints)));
  c.header("RateLimit-Reset", String(Math.ceil(res.msBeforeNext / 1000)));
}

/** A limiter, its key, its points (for the headers) and the budget's name (for the refusal metric). */
type Budget = [RateLimiterAbstract, string, number, string];

/** Whether the request carries a token this tenant signed (its session is checked later, by auth). */
async function signedIn(deps: AppDeps, c: Context<AppEnv>, tenantId: string): Promise<boolean> {
  const token = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
  if (!token) return false;
  const claims = await deps.tokens.verifyTenant(token).catch(() => undefined);
  return claims?.tenantId === tenantId;
}

/**
 * Three budgets a minute, counted in shared state: signed-in requests per tenant
 * (TENANT_RATE_LIMIT_PER_MIN, handed out in short windows of TENANT_RATE_LIMIT_BURST), and for requests without a valid token of the tenant one per
 * client address (ANON_RATE_LIMIT_PER_MIN_PER_IP) and one for the tenant as a whole
 * (ANON_RATE_LIMIT_PER_MIN). An anonymous flood spends only the anonymous budgets: the tenant's
 * staff, once signed in, keep being answered.
 */
export function tenantRateLimit(deps: AppDeps) {
  const { config, limiters } = deps;
  return createMiddleware<AppEnv>(async (c, next) => {
    const tenant = c.get("tenant");
    const burst: Budget[] = limiters.tenantBurst
      ? [[limiters.tenantBurst.limiter, `tenant_${tenant.id}:ratelimit_burst`, limiters.tenantBurst.points, "tenant"]]
      : [];
    const budgets: Budget[] = (await signedIn(deps, c, tenant.id))
      ? [
          // The short window first: a request it refuses does not spend the minute's budget.
          ...burst,
          [limiters.tenantRequests, `tenant_${tenant.id}:ratelimit`, config.TENANT_RATE_LIMIT_PER_MIN, "tenant"],
        ]
      : [
          [
            limiters.anonymousPerIp,
            `tenant_${tenant.id}:anon:${c.get("clientIp")}`,
            config.ANON_RATE_LIMIT_PER_MIN_PER_IP,
            "anon_ip",
          ],
          [limiters.anonymousPerTenant, `tenant_${tenant.id}:anon`, config.ANON_RATE_LIMIT_PER_MIN, "anon_tenant"],
        ];
    let tightest: [number, RateLimiterRes] | undefined;
    for (const [limiter, key, limit, budget] of budgets) {
      try {
        const res = await limiter.consume(key);
        if (!tightest || res.remainingPoints < tightest[1].remainingPoints) tightest = [limit, res];
      } catch (err) {
        if (!isLimiterRes(err)) throw err;
        rateLimitRefusals.inc({ budget, tenant: apiTenantLabel(tenant.id) });
        // The shared counter says the signed-in budget (its short window or the minute) is spent
        // until that window ends: the node handler refuses the tenant's signed-in requests
        // before the app until then.
        if (budget === "tenant") limiters.tenantBlocks.block(c.get("host"), tenant.id, err.msBeforeNext, limit);
        const retry = String(Math.ceil(err.msBeforeNext / 1000));
        throw new AppError(429, ErrorCode.rateLimited, TENANT_RATE_LIMIT_MESSAGE, undefined, {
          "Retry-After": retry,
          "RateLimit-Limit": String(limit),
          "RateLimit-Remaining": "0",
          "RateLimit-Reset": retry,
        });
      }
    }
    if (tightest) setHeaders(c, ...tightest);
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
