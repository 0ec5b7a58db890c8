import { superAdminAudit } from "@proxpanel/db";
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requireSuperAdmin } from "../../middleware/auth.ts";
import { keysetPage } from "../../pagination.ts";
import { validate } from "../../validate.ts";

const query = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.coerce.number().int().positive().optional(),
  tenantId: z.string().uuid().optional(),
  action: z.string().max(100).optional(),
});

export function saasAuditRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().use(requireSuperAdmin(deps)).get("/", validate("query", query), async (c) => {
    const q = c.req.valid("query");
    const f: SQL[] = [];
    if (q.cursor) f.push(lt(superAdminAudit.id, q.cursor));
    if (q.tenantId) f.push(eq(superAdminAudit.tenantId, q.tenantId));
    if (q.action) f.push(eq(superAdminAudit.action, q.action));
    const rows = await deps.db
      .select()
      .from(superAdminAudit)
      .where(f.length ? and(...f) : undefined)
      .orderBy(desc(superAdminAudit.id))
      .limit(q.limit + 1);
    return c.json(keysetPage(rows, q.limit));
  });
}
