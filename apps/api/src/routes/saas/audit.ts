import { superAdminAudit, tenants } from "@proxpanel/db";
import { and, desc, eq, lt, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { notFound } from "../../errors.ts";
import { requireSuperAdmin } from "../../middleware/auth.ts";
import { jsonResponse } from "../../openapi.ts";
import { keysetPage } from "../../pagination.ts";
import { validate } from "../../validate.ts";
import { auditPage as tenantAuditPage } from "../audit/responses.ts";
import * as out from "./responses.ts";

const query = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.coerce.number().int().positive().optional(),
  tenantId: z.string().uuid().optional(),
  action: z.string().max(100).optional(),
});

const tenantLogQuery = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.coerce.number().int().positive().optional(),
});

export function saasAuditRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireSuperAdmin(deps))
    .get(
      "/tenants/:tenantId",
      jsonResponse(tenantAuditPage, "The tenant's own audit log, newest first"),
      validate("param", z.object({ tenantId: z.string().uuid() })),
      validate("query", tenantLogQuery),
      async (c) => {
        // The tenant's own audit log (its staff, subscribers and system jobs), read-only here: an
        // operator investigating a tenant sees what happened inside it beside the platform's events.
        const { tenantId } = c.req.valid("param");
        const q = c.req.valid("query");
        const [t] = await deps.db
          .select({ schemaName: tenants.schemaName, schemaVersion: tenants.schemaVersion, status: tenants.status })
          .from(tenants)
          .where(eq(tenants.id, tenantId))
          .limit(1);
        // A deleted tenant's schema may already be purged; its platform events stay listed above.
        if (!t || t.schemaVersion === 0 || t.status === "deleted") throw notFound("Tenant not found");
        const client = deps.tenantClients.get(t.schemaName);
        const a = client.t.auditLogs;
        const rows = await client.db
          .select()
          .from(a)
          .where(q.cursor ? lt(a.id, q.cursor) : undefined)
          .orderBy(desc(a.id))
          .limit(q.limit + 1);
        return c.json(keysetPage(rows, q.limit));
      },
    )
    .get(
      "/",
      jsonResponse(out.consoleAuditPage, "The console's audit log, newest first"),
      validate("query", query),
      async (c) => {
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
      },
    );
}
