import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requireSuperAdmin } from "../../middleware/auth.ts";
import { LoginThrottle } from "../../middleware/rate-limit.ts";
import { jsonResponse, noContent } from "../../openapi.ts";
import { validate } from "../../validate.ts";
import { forgotBody, PER_ACCOUNT_PER_HOUR, PER_CLIENT_PER_HOUR, resetBody, take } from "../auth/password-reset.ts";
import { forgotAnswer } from "../auth/responses.ts";
import * as out from "./responses.ts";
import { beginTotpEnrolment, confirmTotpEnrolment, superAdminLogin } from "./superadmin-auth.ts";
import { requestSuperAdminReset, resetSuperAdminPassword } from "./superadmin-password-reset.ts";

const loginBody = z.object({
  email: z.string().trim().email().max(254),
  password: z.string().min(1).max(256),
  totp: z
    .string()
    .regex(/^\d{6}$/, "must be 6 digits")
    .optional(),
});

export function saasAuthRoutes(deps: AppDeps) {
  const throttle = new LoginThrottle(deps.limiters);
  const enrolling = requireSuperAdmin(deps, { allowWithoutMfa: true });
  // The same budgets as a tenant's reset, counted on the apex's own keys.
  const perAccount = deps.state.rateLimiter({ points: PER_ACCOUNT_PER_HOUR, duration: 3600 });
  const perClient = deps.state.rateLimiter({ points: PER_CLIENT_PER_HOUR, duration: 3600 });
  const resetDeps = { db: deps.db, config: deps.config, ttlMinutes: deps.config.PASSWORD_RESET_TTL_MIN };
  return new Hono<AppEnv>()
    .post(
      "/password/forgot",
      jsonResponse(forgotAnswer, "A link is sent if the address is known", { status: 202, security: [] }),
      validate("json", forgotBody),
      async (c) => {
        const { email } = c.req.valid("json");
        await take(perClient, `apex:reset_ip:${c.get("clientIp")}`);
        await take(perAccount, `apex:reset:${email.toLowerCase()}`);
        await requestSuperAdminReset(resetDeps, { email });
        return c.json({ ok: true, message: "If an account uses this address, a reset link is on its way." }, 202);
      },
    )
    .post(
      "/password/reset",
      noContent("Password changed; other sessions signed out", { security: [] }),
      validate("json", resetBody),
      async (c) => {
        await take(perClient, `apex:reset_ip:${c.get("clientIp")}`);
        await resetSuperAdminPassword(resetDeps, c.req.valid("json"), {
          superAdminId: null,
          label: "password reset",
          ip: c.get("clientIp"),
          requestId: c.get("requestId"),
        });
        return c.body(null, 204);
      },
    )
    .post(
      "/login",
      jsonResponse(out.superAdminLogin, "Signed in", { security: [] }),
      validate("json", loginBody),
      async (c) =>
        c.json(
          await superAdminLogin({ db: deps.db, tokens: deps.tokens, throttle }, c.req.valid("json"), {
            ip: c.get("clientIp"),
            requestId: c.get("requestId"),
          }),
        ),
    )
    .get("/me", jsonResponse(out.superAdminMe, "The signed-in operator"), enrolling, (c) =>
      c.json({ superAdmin: c.get("superAdmin") }),
    )
    .post("/totp/enroll", jsonResponse(out.totpEnrolment, "A new TOTP secret"), enrolling, async (c) =>
      c.json(await beginTotpEnrolment(deps, c.get("superAdmin").superAdminId)),
    )
    .post(
      "/totp/confirm",
      jsonResponse(out.tokenBody, "Enrolled: a token with MFA"),
      enrolling,
      validate("json", z.object({ code: z.string().regex(/^\d{6}$/) })),
      async (c) =>
        c.json(
          await confirmTotpEnrolment(deps, c.get("superAdmin").superAdminId, c.req.valid("json").code, {
            ip: c.get("clientIp"),
            requestId: c.get("requestId"),
          }),
        ),
    );
}
