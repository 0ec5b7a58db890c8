import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { pageQuery } from "../../pagination.ts";
import { serviceCtx } from "../../services/context.ts";
import { listSessions } from "../../services/sessions.ts";
import { validate } from "../../validate.ts";

const listQuery = z.object({
  ...pageQuery,
  nasId: z.string().uuid().optional(),
  online: z
    .enum(["true", "false"])
    .default("true")
    .transform((v) => v === "true"),
});

export function sessionRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get("/", requirePermission("sessions.view"), validate("query", listQuery), async (c) =>
      c.json(await listSessions({ ctx: serviceCtx(c), input: c.req.valid("query") })),
    );
}
