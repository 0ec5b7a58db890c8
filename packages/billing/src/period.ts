import type { Invoice, Subscriber } from "@proxpanel/db";
import { and, eq, sql } from "drizzle-orm";
import type { BillingScope } from "./db.ts";

/**
 * A paid invoice for a plan period ahead of the subscriber's expiry renews it to the period's end
 * (prepaid: the run bills the next period before it starts, and paying it is the renewal). A
 * period already covered (postpaid, or paid twice over) changes nothing. The caller holds the
 * subscriber's row lock.
 */
export async function applyPaidPeriod(
  { db, t }: BillingScope,
  invoice: Pick<Invoice, "periodEnd" | "subscriberId">,
): Promise<{ before: Subscriber; after: Subscriber } | null> {
  if (!invoice.periodEnd || !invoice.subscriberId) return null;
  const s = t.subscribers;
  const [before] = await db.select().from(s).where(eq(s.id, invoice.subscriberId)).for("update").limit(1);
  if (!before) return null;
  if (before.expiresAt && before.expiresAt >= invoice.periodEnd) return null;
  const [after] = await db
    .update(s)
    .set({
      expiresAt: invoice.periodEnd,
      status: before.status === "expired" ? "active" : before.status,
      updatedAt: new Date(),
    })
    .where(eq(s.id, before.id))
    .returning();
  return after ? { before, after } : null;
}

/**
 * Settles an unpaid invoice from the subscriber's prepaid credit when the credit covers what is
 * still owed; otherwise changes nothing (returns null). The debit is the same conditional UPDATE
 * the API uses, so the balance never goes below zero, and it writes its transaction row.
 */
export async function settleFromBalance(
  { db, t }: BillingScope,
  invoice: Invoice,
  actorUserId: string | null,
): Promise<Invoice | null> {
  if (invoice.status !== "unpaid" || !invoice.subscriberId) return null;
  const owed = invoice.amountCents - invoice.amountPaidCents - invoice.creditedCents;
  if (owed <= 0) return null;
  const s = t.subscribers;
  const [row] = await db
    .update(s)
    .set({ balanceCents: sql`${s.balanceCents} - ${owed}`, updatedAt: new Date() })
    .where(and(eq(s.id, invoice.subscriberId), sql`${s.balanceCents} >= ${owed}`))
    .returning({ balanceCents: s.balanceCents });
  if (!row) return null;
  await db.insert(t.transactions).values({
    type: "invoice_charge",
    subscriberId: invoice.subscriberId,
    invoiceId: invoice.id,
    amountCents: -owed,
    balanceAfterCents: row.balanceCents,
    description: `Invoice #${invoice.number} paid from the balance`,
    actorUserId,
  });
  const [paid] = await db
    .update(t.invoices)
    .set({ status: "paid", amountPaidCents: invoice.amountPaidCents + owed, paidAt: new Date(), updatedAt: new Date() })
    .where(eq(t.invoices.id, invoice.id))
    .returning();
  return paid ?? null;
}

export async function systemAudit(
  { db, t }: BillingScope,
  entry: { action: string; entityType: string; entityId: string; details: Record<string, unknown> },
): Promise<void> {
  await db.insert(t.auditLogs).values({ ...entry, actor: "system: billing run", actorUserId: null });
}
