import { MAIL_KINDS, MAIL_STATUSES } from "@proxpanel/db";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requireSuperAdmin, superAdminActor } from "../../middleware/auth.ts";
import { jsonResponse } from "../../openapi.ts";
import { pageQuery } from "../../pagination.ts";
import { validate } from "../../validate.ts";
import * as out from "./responses.ts";
import { listOutbox, retryMail } from "./saas-mail.ts";

const query = z.object({
  status: z.enum(MAIL_STATUSES).optional(),
  kind: z.enum(MAIL_KINDS).optional(),
  tenantId: z.string().uuid().optional(),
  page: pageQuery.page,
  limit: pageQuery.limit,
});
const idParam = z.object({ id: z.string().uuid() });

/** The system outbox in the console: failed deliveries stay listed with their SMTP error until retried. */
export function saasMailRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireSuperAdmin(deps))
    .get("/", jsonResponse(out.mailPage, "A page of system mail"), validate("query", query), async (c) =>
      c.json(await listOutbox(deps.db, c.req.valid("query"))),
    )
    .post(
      "/:id/retry",
      jsonResponse(z.object({ mail: out.mailRow }), "Queued again"),
      validate("param", idParam),
      async (c) => c.json({ mail: await retryMail(deps.db, superAdminActor(c), c.req.valid("param").id) }),
    );
}
