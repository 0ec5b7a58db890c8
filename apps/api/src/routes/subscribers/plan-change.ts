import { issueInvoice, prorate, settleFromBalance } from "@proxpanel/billing";
import type { ServicePlan, Subscriber } from "@proxpanel/db";
import { and, desc, eq, lte, ne } from "drizzle-orm";
import { writeAudit } from "../../services/audit.ts";
import type { ServiceCtx } from "../../services/context.ts";
import { notifySubscriber } from "../../services/notify.ts";
import { createCreditNote } from "../invoices/credit-notes.ts";
import { tenantTimezone } from "../sessions/sessions.ts";

export interface PlanChangeProration {
  daysLeft: number;
  periodDays: number;
  creditNoteId: string | null;
  creditCents: number;
  invoiceId: string | null;
  chargeCents: number;
}

/**
 * Pro-rates a plan change inside the change's transaction (rule in @proxpanel/billing prorate):
 * a credit note against the invoice that billed the current period for its unused days, and an
 * invoice for the same days at the new plan, settled at once from the balance when it covers it
 * (the credit note's refund of money already paid lands there first). A period that no invoice
 * billed (expiry set by hand, or postpaid, billed after use at the plan it ends on) is not
 * pro-rated. The caller holds the subscriber's row lock.
 */
export async function prorateOnPlanChange(
  tx: ServiceCtx,
  sub: Subscriber,
  plan: ServicePlan,
): Promise<PlanChangeProration | null> {
  const { t } = tx.tenant;
  const now = new Date();
  if (!sub.expiresAt || sub.expiresAt <= now || sub.billingMode === "postpaid") return null;
  const i = t.invoices;
  const [billed] = await tx.db
    .select()
    .from(i)
    .where(
      and(eq(i.subscriberId, sub.id), ne(i.status, "void"), eq(i.periodEnd, sub.expiresAt), lte(i.periodStart, now)),
    )
    .orderBy(desc(i.createdAt))
    .limit(1);
  if (!billed?.periodStart || !billed.periodEnd) return null;
  const r = prorate({
    now,
    timeZone: await tenantTimezone(tx),
    periodStart: billed.periodStart,
    periodEnd: billed.periodEnd,
    billedCents: billed.amountCents - billed.creditedCents,
    newPriceCents: plan.priceCents,
    newValidityDays: plan.validityDays,
  });
  if (r.daysLeft === 0) return null;
  const days = `${r.daysLeft} of ${r.periodDays} days`;
  const note =
    r.creditCents > 0
      ? await createCreditNote({
          ctx: tx,
          input: { invoiceId: billed.id, amountCents: r.creditCents, reason: `Plan change: unused ${days}` },
        })
      : null;
  let invoiceId: string | null = null;
  if (r.chargeCents > 0) {
    const scope = { db: tx.db, t };
    const description = `Plan change to ${plan.name}: ${r.daysLeft} days`;
    const invoice = await issueInvoice(scope, {
      subscriberId: sub.id,
      resellerId: sub.resellerId,
      lines: [{ description, quantity: 1, unitCents: r.chargeCents, amountCents: r.chargeCents }],
      description,
      // The rest of the period the credited invoice billed: a second change credits this one.
      periodStart: now,
      periodEnd: billed.periodEnd,
      dueAt: now,
    });
    const paid = await settleFromBalance(scope, invoice, tx.actor.userId);
    invoiceId = invoice.id;
    await writeAudit(tx, {
      action: "invoice.create",
      entityType: "invoice",
      entityId: invoice.id,
      details: { after: paid ?? invoice, proration: { ...r, creditedInvoiceId: billed.id }, fromBalance: !!paid },
    });
    await notifySubscriber(tx, "invoice", sub.id, {
      invoice: { number: invoice.number, amountCents: invoice.amountCents, dueAt: invoice.dueAt },
    });
  }
  return {
    daysLeft: r.daysLeft,
    periodDays: r.periodDays,
    creditNoteId: note?.creditNote.id ?? null,
    creditCents: r.creditCents,
    invoiceId,
    chargeCents: r.chargeCents,
  };
}
