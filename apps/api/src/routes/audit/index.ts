import { and, desc, eq, gte, lt, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { jsonResponse } from "../../openapi.ts";
import { keysetPage } from "../../pagination.ts";
import { isoDate, validate } from "../../validate.ts";
import { auditPage } from "./responses.ts";

const query = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Keyset cursor: the id of the last entry of the previous page. */
  cursor: z.coerce.number().int().positive().optional(),
  action: z.string().max(100).optional(),
  entityType: z.string().max(100).optional(),
  entityId: z.string().max(100).optional(),
  actorUserId: z.string().uuid().optional(),
  from: isoDate.optional(),
  to: isoDate.optional(),
});

export function auditRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get(
      "/",
      jsonResponse(auditPage, "Newest entries first; pass nextCursor as cursor for more"),
      requirePermission("audit.view"),
      validate("query", query),
      async (c) => {
        const q = c.req.valid("query");
        const { db, t } = c.get("tenant");
        const a = t.auditLogs;
        const f: SQL[] = [];
        if (q.cursor) f.push(lt(a.id, q.cursor));
        if (q.action) f.push(eq(a.action, q.action));
        if (q.entityType) f.push(eq(a.entityType, q.entityType));
        if (q.entityId) f.push(eq(a.entityId, q.entityId));
        if (q.actorUserId) f.push(eq(a.actorUserId, q.actorUserId));
        if (q.from) f.push(gte(a.createdAt, q.from));
        if (q.to) f.push(lt(a.createdAt, q.to));
        const items = await db
          .select()
          .from(a)
          .where(f.length ? and(...f) : undefined)
          .orderBy(desc(a.id))
          .limit(q.limit + 1);
        return c.json(keysetPage(items, q.limit));
      },
    );
}
