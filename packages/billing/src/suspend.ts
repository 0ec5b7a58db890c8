import type { Subscriber, TenantDb, TenantTables } from "@proxpanel/db";
import { and, eq, isNotNull, isNull, lt, sql } from "drizzle-orm";
import type { BillingScope } from "./db.ts";
import { systemAudit } from "./period.ts";
import { readBillingSettings } from "./settings.ts";

const DAY_MS = 86_400_000;

/** Unpaid invoices of a subscriber past their due date plus the grace days. */
const overdue = (t: TenantTables, graceDays: number, now: Date) =>
  and(
    eq(t.invoices.status, "unpaid"),
    isNotNull(t.invoices.dueAt),
    lt(t.invoices.dueAt, new Date(now.getTime() - graceDays * DAY_MS)),
  );

/**
 * Suspension for non-payment: an active subscriber with an invoice unpaid past due + grace is
 * disabled (the RADIUS daemon rejects it) and marked `billing_suspended_at`, so a payment restores
 * only these. Returns who was suspended, for the caller to send Disconnect after the commit.
 */
export async function suspendOverdue(
  client: { db: TenantDb; t: TenantTables },
  opts: { now?: Date } = {},
): Promise<string[]> {
  const now = opts.now ?? new Date();
  const { t } = client;
  const settings = await readBillingSettings(client);
  if (!settings.suspendOnNonPayment) return [];
  const rows = await client.db
    .selectDistinct({ id: t.subscribers.id })
    .from(t.subscribers)
    .innerJoin(t.invoices, eq(t.invoices.subscriberId, t.subscribers.id))
    .where(
      and(
        eq(t.subscribers.status, "active"),
        isNull(t.subscribers.billingSuspendedAt),
        overdue(t, settings.graceDays, now),
      ),
    );
  const suspended: string[] = [];
  for (const { id } of rows) {
    const done = await client.db.transaction(async (tx) => {
      const [after] = await tx
        .update(t.subscribers)
        .set({ status: "disabled", billingSuspendedAt: now, updatedAt: now })
        .where(
          and(eq(t.subscribers.id, id), eq(t.subscribers.status, "active"), isNull(t.subscribers.billingSuspendedAt)),
        )
        .returning({ id: t.subscribers.id });
      if (!after) return false;
      await systemAudit(
        { db: tx, t },
        {
          action: "subscriber.suspend",
          entityType: "subscriber",
          entityId: id,
          details: {
            reason: "non_payment",
            graceDays: settings.graceDays,
            before: { status: "active" },
            after: { status: "disabled" },
          },
        },
      );
      return true;
    });
    if (done) suspended.push(id);
  }
  return suspended;
}

/**
 * After a payment: a subscriber suspended for non-payment with nothing overdue left is enabled
 * again (its expiry still applies). The caller holds the transaction and writes the audit entry.
 */
export async function restoreIfCleared(
  scope: BillingScope,
  subscriberId: string,
  now = new Date(),
): Promise<{ before: Subscriber; after: Subscriber } | null> {
  const { db, t } = scope;
  const [before] = await db.select().from(t.subscribers).where(eq(t.subscribers.id, subscriberId)).for("update");
  if (!before?.billingSuspendedAt) return null;
  const { graceDays } = await readBillingSettings(scope);
  const [left] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(t.invoices)
    .where(and(eq(t.invoices.subscriberId, subscriberId), overdue(t, graceDays, now)));
  if ((left?.n ?? 0) > 0) return null;
  const [after] = await db
    .update(t.subscribers)
    .set({ status: "active", billingSuspendedAt: null, updatedAt: now })
    .where(eq(t.subscribers.id, subscriberId))
    .returning();
  return after ? { before, after } : null;
}
