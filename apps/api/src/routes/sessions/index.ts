import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { jsonResponse } from "../../openapi.ts";
import { pageQuery } from "../../pagination.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import { disconnectBody, sessionPage, tenantUsageBody } from "./responses.ts";
import { listSessions, tenantUsage } from "./sessions.ts";
import { disconnectOpenSession } from "./sessions-disconnect.ts";

const listQuery = z.object({
  ...pageQuery,
  nasId: z.string().uuid().optional(),
  online: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
});

const usageQuery = z.object({ days: z.coerce.number().int().min(1).max(90).default(30) });

/** radacct ids are bigserial; anything else is simply not a session. */
const sessionParam = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

export function sessionRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get(
      "/",
      jsonResponse(sessionPage, "A page of sessions (open ones by default)"),
      requirePermission("sessions.view"),
      validate("query", listQuery),
      async (c) => c.json(await listSessions({ ctx: serviceCtx(c), input: c.req.valid("query") })),
    )
    .get(
      "/usage",
      jsonResponse(tenantUsageBody, "Traffic per day of the tenant's calendar"),
      requirePermission("sessions.view"),
      validate("query", usageQuery),
      async (c) => c.json(await tenantUsage({ ctx: serviceCtx(c), input: c.req.valid("query") })),
    )
    .post(
      "/:id/disconnect",
      jsonResponse(disconnectBody, "The NAS acknowledged the Disconnect-Request"),
      requirePermission("sessions.disconnect"),
      validate("param", sessionParam),
      async (c) => {
        const ctx = serviceCtx(c);
        const key = await deps.keys.forTenant(ctx.tenant.id);
        return c.json({ disconnected: await disconnectOpenSession({ key }, { ctx, input: c.req.valid("param") }) });
      },
    );
}
