import { type Db, type MailKind, type MailStatus, mailOutbox } from "@proxpanel/db";
import { REDACTED_BODY } from "@proxpanel/mail";
import { type Actor, recordSuperAdminAudit } from "@proxpanel/tenancy";
import { and, count, desc, eq, type SQL } from "drizzle-orm";
import { AppError, ErrorCode, notFound } from "../../errors.ts";

/** The system outbox for the console: newest first; failed deliveries keep their SMTP error. */
export async function listOutbox(
  db: Db,
  input: {
    status?: MailStatus | undefined;
    kind?: MailKind | undefined;
    tenantId?: string | undefined;
    page: number;
    limit: number;
  },
) {
  const f: SQL[] = [];
  if (input.status) f.push(eq(mailOutbox.status, input.status));
  if (input.kind) f.push(eq(mailOutbox.kind, input.kind));
  if (input.tenantId) f.push(eq(mailOutbox.tenantId, input.tenantId));
  const where = f.length ? and(...f) : undefined;
  const [items, totals] = await Promise.all([
    db
      .select()
      .from(mailOutbox)
      .where(where)
      .orderBy(desc(mailOutbox.createdAt), desc(mailOutbox.id))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    db.select({ n: count() }).from(mailOutbox).where(where),
  ]);
  // A queued reset mail still holds its link: operators see that it exists, not the secret.
  const shown = items.map((m) =>
    m.kind === "password_reset" && m.status === "queued" ? { ...m, body: REDACTED_BODY } : m,
  );
  return { items: shown, total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
}

/** Queues a failed mail again, audited; a reset link is never resent (the user asks for a new one). */
export async function retryMail(db: Db, actor: Actor, id: string) {
  return db.transaction(async (tx) => {
    const current = (await tx.select().from(mailOutbox).where(eq(mailOutbox.id, id)).for("update"))[0];
    if (!current) throw notFound("Mail not found");
    if (current.kind === "password_reset") {
      throw new AppError(409, ErrorCode.conflict, "A reset link is not resent; the user asks for a new one.");
    }
    if (current.status !== "failed") {
      throw new AppError(409, ErrorCode.conflict, `Only a failed mail can be retried (this one is ${current.status}).`);
    }
    const [next] = await tx
      .update(mailOutbox)
      .set({ status: "queued", attempts: 0, nextAttemptAt: new Date(), updatedAt: new Date() })
      .where(eq(mailOutbox.id, id))
      .returning();
    await recordSuperAdminAudit(tx, actor, "mail.retry", current.tenantId, {
      mailId: id,
      kind: current.kind,
      lastError: current.lastError,
    });
    return next;
  });
}
