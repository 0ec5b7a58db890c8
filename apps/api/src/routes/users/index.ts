import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { pageQuery } from "../../pagination.ts";
import { serviceCtx } from "../../services/context.ts";
import { listUsers, USER_SORTS } from "../../services/users.ts";
import { validate } from "../../validate.ts";

const listQuery = z.object({
  ...pageQuery,
  status: z.enum(["active", "disabled"]).optional(),
  sort: z.enum(USER_SORTS).default("email"),
  order: z.enum(["asc", "desc"]).default("asc"),
});

export function userRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get("/", requirePermission("users.view"), validate("query", listQuery), async (c) =>
      c.json(await listUsers({ ctx: serviceCtx(c), input: c.req.valid("query") })),
    );
}
