import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { jsonResponse } from "../../openapi.ts";
import { pageQuery } from "../../pagination.ts";
import { serviceCtx } from "../../services/context.ts";
import { isoDate, validate } from "../../validate.ts";
import { listAuthLogs } from "./auth-logs.ts";
import { authLogPage } from "./responses.ts";

const listQuery = z
  .object({
    ...pageQuery,
    subscriberId: z.string().uuid().optional(),
    result: z.enum(["accept", "reject"]).optional(),
    from: isoDate.optional(),
    to: isoDate.optional(),
  })
  .strict();

/** The RADIUS authentication log of the tenant: who was let in or refused, when, by which NAS, why. */
export function authLogRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get(
      "/",
      jsonResponse(authLogPage, "A page of authentications"),
      requirePermission("sessions.view"),
      validate("query", listQuery),
      async (c) => c.json(await listAuthLogs({ ctx: serviceCtx(c), input: c.req.valid("query") })),
    );
}
