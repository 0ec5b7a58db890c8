import { Hono } from "hono";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { AppError, ErrorCode } from "../../errors.ts";
import { jsonResponse, noContent } from "../../openapi.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import { requestPasswordReset, resetPassword } from "./password-reset-service.ts";
import { forgotAnswer } from "./responses.ts";

export const forgotBody = z.object({ email: z.string().trim().email().max(254) });
export const resetBody = z.object({
  token: z.string().min(20).max(200),
  password: z.string().min(10, "must be at least 10 characters").max(256),
});

// Per address asked about and per client, within one tenant: enough for a user who lost the mail,
// too few to mail-bomb someone or to probe many addresses.
export const PER_ACCOUNT_PER_HOUR = 5;
export const PER_CLIENT_PER_HOUR = 30;

export async function take(
  limiter: RateLimiterAbstract,
  key: string,
  message = "Too many reset requests; try again later.",
) {
  try {
    await limiter.consume(key);
  } catch (err) {
    if (err instanceof Error) throw err;
    const ms = (err as { msBeforeNext?: number }).msBeforeNext ?? 3600_000;
    throw new AppError(429, ErrorCode.rateLimited, message, undefined, {
      "Retry-After": String(Math.ceil(ms / 1000)),
    });
  }
}

/** Forgot-password and reset, on tenant hosts, without a session. */
export function passwordResetRoutes(deps: AppDeps) {
  const perAccount = deps.state.rateLimiter({ points: PER_ACCOUNT_PER_HOUR, duration: 3600 });
  const perClient = deps.state.rateLimiter({ points: PER_CLIENT_PER_HOUR, duration: 3600 });
  const resetDeps = {
    db: deps.db,
    resolver: deps.resolver,
    principals: deps.principals,
    limiters: deps.limiters,
    ttlMinutes: deps.config.PASSWORD_RESET_TTL_MIN,
    config: deps.config,
  };
  return new Hono<AppEnv>()
    .post(
      "/forgot",
      jsonResponse(forgotAnswer, "A link is sent if the address is known", { status: 202, security: [] }),
      validate("json", forgotBody),
      async (c) => {
        const { email } = c.req.valid("json");
        const tenantId = c.get("tenant").id;
        // Counted whether or not the account exists, so throttling says nothing either.
        await take(perClient, `tenant_${tenantId}:reset_ip:${c.get("clientIp")}`);
        await take(perAccount, `tenant_${tenantId}:reset:${email.toLowerCase()}`);
        await requestPasswordReset(resetDeps, { ctx: serviceCtx(c), input: { email } });
        return c.json({ ok: true, message: "If an account uses this address, a reset link is on its way." }, 202);
      },
    )
    .post(
      "/reset",
      noContent("Password changed; other sessions signed out", { security: [] }),
      validate("json", resetBody),
      async (c) => {
        await take(perClient, `tenant_${c.get("tenant").id}:reset_ip:${c.get("clientIp")}`);
        await resetPassword(resetDeps, { ctx: serviceCtx(c), input: c.req.valid("json") });
        return c.body(null, 204);
      },
    );
}
