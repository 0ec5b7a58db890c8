import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requireTenantAuth } from "../../middleware/auth.ts";
import { LoginThrottle } from "../../middleware/rate-limit.ts";
import { jsonResponse, noContent } from "../../openapi.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import { passwordResetRoutes } from "./password-reset.ts";
import * as out from "./responses.ts";
import { exchangeHandoff, logoutEverywhere, tenantLogin } from "./tenant-auth.ts";

// The handoff token a signup on the apex issued (two minutes, this workspace only).
const handoffBody = z.object({ token: z.string().min(20).max(4096) }).strict();
const loginBody = z.object({
  email: z.string().trim().email().max(254),
  password: z.string().min(1).max(256),
});

export function tenantAuthRoutes(deps: AppDeps) {
  const throttle = new LoginThrottle(deps.limiters);
  const auth = requireTenantAuth(deps);
  return new Hono<AppEnv>()
    .route("/password", passwordResetRoutes(deps))
    .post(
      "/login",
      jsonResponse(out.loginBody, "Signed in", { security: [] }),
      validate("json", loginBody),
      async (c) =>
        c.json(
          await tenantLogin({ tokens: deps.tokens, throttle }, { ctx: serviceCtx(c), input: c.req.valid("json") }),
        ),
    )
    .post(
      "/handoff",
      jsonResponse(out.loginBody, "Signed in with the console's one-time handoff", { security: [] }),
      validate("json", handoffBody),
      async (c) =>
        c.json(await exchangeHandoff({ tokens: deps.tokens }, { ctx: serviceCtx(c), input: c.req.valid("json") })),
    )
    .get("/me", jsonResponse(out.meBody, "The signed-in user and workspace"), auth, (c) => {
      const a = c.get("auth");
      const t = c.get("tenant");
      return c.json({
        user: { id: a.userId, email: a.email, isOwner: a.isOwner, permissions: a.permissions },
        tenant: { id: t.id, slug: t.slug },
      });
    })
    .post("/logout-all", noContent("Every token of the user is retired"), auth, async (c) => {
      await logoutEverywhere(deps, { ctx: serviceCtx(c), input: { userId: c.get("auth").userId } });
      return c.body(null, 204);
    });
}
