import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requireSuperAdmin } from "../../middleware/auth.ts";
import { LoginThrottle } from "../../middleware/rate-limit.ts";
import { validate } from "../../validate.ts";
import { beginTotpEnrolment, confirmTotpEnrolment, superAdminLogin } from "./superadmin-auth.ts";

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
  return new Hono<AppEnv>()
    .post("/login", validate("json", loginBody), async (c) =>
      c.json(
        await superAdminLogin({ db: deps.db, tokens: deps.tokens, throttle }, c.req.valid("json"), {
          ip: c.get("clientIp"),
          requestId: c.get("requestId"),
        }),
      ),
    )
    .get("/me", enrolling, (c) => c.json({ superAdmin: c.get("superAdmin") }))
    .post("/totp/enroll", enrolling, async (c) =>
      c.json(await beginTotpEnrolment(deps, c.get("superAdmin").superAdminId)),
    )
    .post("/totp/confirm", enrolling, validate("json", z.object({ code: z.string().regex(/^\d{6}$/) })), async (c) =>
      c.json(
        await confirmTotpEnrolment(deps, c.get("superAdmin").superAdminId, c.req.valid("json").code, {
          ip: c.get("clientIp"),
          requestId: c.get("requestId"),
        }),
      ),
    );
}
