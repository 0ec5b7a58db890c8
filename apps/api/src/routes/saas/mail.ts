import { MAIL_KINDS, MAIL_STATUSES, mailOutbox } from "@proxpanel/db";
import { recordSuperAdminAudit } from "@proxpanel/tenancy";
import { REDACTED_BODY } from "@proxpanel/worker/mail";
import { and, count, desc, eq, type SQL } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { AppError, ErrorCode, notFound } from "../../errors.ts";
import { requireSuperAdmin } from "../../middleware/auth.ts";
import { validate } from "../../validate.ts";

const query = z.object({
  status: z.enum(MAIL_STATUSES).optional(),
  kind: z.enum(MAIL_KINDS).optional(),
  tenantId: z.string().uuid().optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(25),
});
const idParam = z.object({ id: z.string().uuid() });

/** The system outbox in the console: failed deliveries stay listed with their SMTP error until retried. */
export function saasMailRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireSuperAdmin(deps))
    .get("/", validate("query", query), async (c) => {
      const q = c.req.valid("query");
      const f: SQL[] = [];
      if (q.status) f.push(eq(mailOutbox.status, q.status));
      if (q.kind) f.push(eq(mailOutbox.kind, q.kind));
      if (q.tenantId) f.push(eq(mailOutbox.tenantId, q.tenantId));
      const where = f.length ? and(...f) : undefined;
      const [items, totals] = await Promise.all([
        deps.db
          .select()
          .from(mailOutbox)
          .where(where)
          .orderBy(desc(mailOutbox.createdAt), desc(mailOutbox.id))
          .limit(q.limit)
          .offset((q.page - 1) * q.limit),
        deps.db.select({ n: count() }).from(mailOutbox).where(where),
      ]);
      // A queued reset mail still holds its link: operators see that it exists, not the secret.
      const shown = items.map((m) =>
        m.kind === "password_reset" && m.status === "queued" ? { ...m, body: REDACTED_BODY } : m,
      );
      return c.json({ items: shown, total: totals[0]?.n ?? 0, page: q.page, limit: q.limit });
    })
    .post("/:id/retry", validate("param", idParam), async (c) => {
      const { id } = c.req.valid("param");
      const admin = c.get("superAdmin");
      const row = await deps.db.transaction(async (tx) => {
        const current = (await tx.select().from(mailOutbox).where(eq(mailOutbox.id, id)).for("update"))[0];
        if (!current) throw notFound("Mail not found");
        if (current.kind === "password_reset") {
          throw new AppError(409, ErrorCode.conflict, "A reset link is not resent; the user asks for a new one.");
        }
        if (current.status !== "failed") {
          throw new AppError(
            409,
            ErrorCode.conflict,
            `Only a failed mail can be retried (this one is ${current.status}).`,
          );
        }
        const [next] = await tx
          .update(mailOutbox)
          .set({ status: "queued", attempts: 0, nextAttemptAt: new Date(), updatedAt: new Date() })
          .where(eq(mailOutbox.id, id))
          .returning();
        await recordSuperAdminAudit(
          tx,
          {
            superAdminId: admin.superAdminId,
            label: admin.email,
            ip: c.get("clientIp"),
            requestId: c.get("requestId"),
          },
          "mail.retry",
          current.tenantId,
          { mailId: id, kind: current.kind, lastError: current.lastError },
        );
        return next;
      });
      return c.json({ mail: row });
    });
}
