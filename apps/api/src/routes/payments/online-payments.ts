import { randomBytes } from "node:crypto";
import { applyTax, defaultTaxRate } from "@proxpanel/billing";
import {
  PaymentError,
  PaymentInputError,
  type PaymentOutcome,
  PaymentProviderError,
  type ProviderName,
} from "@proxpanel/payments";
import { and, eq } from "drizzle-orm";
import { AppError, ErrorCode, notFound } from "../../errors.ts";
import { writeAudit } from "../../services/audit.ts";
import { changeSubscriberBalance, payInvoice, renewSubscriber } from "../../services/billing.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";
import type { PortalCtx } from "../portal/portal.ts";
import { assertPortalOn, equalSecret } from "../portal/portal-auth.ts";
import { getCurrency } from "../portal/preferences.ts";
import { loadProvider, type ProviderDeps } from "./provider-settings.ts";

/*
 * Online payment lifecycle. A payment row is written (pending) before the provider is asked, so
 * every callback finds the amount and currency it must match. The provider's confirmation then
 * moves the money in ONE transaction that locks the row: pay the invoice (or credit and renew),
 * mark the row succeeded, audit. A duplicate or out-of-order callback finds the row already final
 * and changes nothing; a mismatched amount or currency fails the row and moves nothing; a failed
 * or abandoned payment never touched money in the first place.
 */

export interface StartInput {
  provider: ProviderName;
  purpose: "invoice" | "renewal";
  invoiceId?: string | undefined;
  phone?: string | undefined;
  returnUrl: string;
  /** Our public address for this tenant; the M-Pesa callback URL is built on it. */
  publicUrl: string;
}

type Payment = PortalCtx["tenant"]["t"]["onlinePayments"]["$inferSelect"];

export function publicPayment(p: Payment) {
  const { callbackToken: _t, lastEventId: _e, ...rest } = p;
  return rest;
}

async function amountFor(ctx: PortalCtx, input: StartInput) {
  const { t } = ctx.tenant;
  if (input.purpose === "invoice") {
    if (!input.invoiceId) throw new AppError(400, ErrorCode.validation, "invoiceId: required to pay an invoice");
    const [inv] = await ctx.db
      .select()
      .from(t.invoices)
      .where(and(eq(t.invoices.id, input.invoiceId), eq(t.invoices.subscriberId, ctx.subscriberId)))
      .limit(1);
    if (!inv) throw notFound("Invoice not found");
    if (inv.status !== "unpaid") throw new AppError(409, ErrorCode.conflict, `This invoice is already ${inv.status}.`);
    // What is still owed: part payments and credit notes come off.
    const owed = inv.amountCents - inv.amountPaidCents - inv.creditedCents;
    return { amountCents: owed, invoiceId: inv.id, planId: null, description: `Invoice #${inv.number}` };
  }
  await assertPortalOn(ctx, "allowRenew");
  const [sub] = await ctx.db.select().from(t.subscribers).where(eq(t.subscribers.id, ctx.subscriberId)).limit(1);
  const plan = sub?.planId
    ? (await ctx.db.select().from(t.servicePlans).where(eq(t.servicePlans.id, sub.planId)).limit(1))[0]
    : undefined;
  if (!plan) throw new AppError(409, ErrorCode.conflict, "You have no plan to renew.");
  // The renewal charges the plan's price with the tenant's default tax (added when exclusive).
  const { totalCents } = applyTax(plan.priceCents, await defaultTaxRate({ db: ctx.db, t }));
  return { amountCents: totalCents, invoiceId: null, planId: plan.id, description: `Renewal: ${plan.name}` };
}

export async function startPayment(deps: ProviderDeps, { ctx, input }: { ctx: PortalCtx; input: StartInput }) {
  await assertPortalOn(ctx, "allowPayments");
  const provider = await loadProvider(deps, ctx, input.provider, { requireEnabled: true });
  if (!provider) {
    throw new AppError(409, ErrorCode.paymentProviderUnavailable, "Your provider does not take this kind of payment.");
  }
  const what = await amountFor(ctx, input);
  if (what.amountCents <= 0) throw new AppError(409, ErrorCode.conflict, "There is nothing to pay.");
  const currency = await getCurrency(ctx);
  const { t } = ctx.tenant;
  const [sub] = await ctx.db.select().from(t.subscribers).where(eq(t.subscribers.id, ctx.subscriberId)).limit(1);
  const callbackToken = randomBytes(24).toString("base64url");
  const [row] = await ctx.db
    .insert(t.onlinePayments)
    .values({
      provider: input.provider,
      callbackToken,
      subscriberId: ctx.subscriberId,
      purpose: input.purpose,
      invoiceId: what.invoiceId,
      planId: what.planId,
      amountCents: what.amountCents,
      currency,
    })
    .returning();
  if (!row) throw new Error("insert returned nothing");
  const fail = async (reason: string) => {
    await ctx.db
      .update(t.onlinePayments)
      .set({ status: "failed", failureReason: reason.slice(0, 500), completedAt: new Date(), updatedAt: new Date() })
      .where(eq(t.onlinePayments.id, row.id));
  };
  try {
    const started = await provider.start({
      reference: row.id,
      amountCents: what.amountCents,
      currency,
      description: what.description,
      customer: { email: sub?.email ?? null, phone: input.phone ?? sub?.phone ?? null },
      returnUrl: `${input.returnUrl}${input.returnUrl.includes("?") ? "&" : "?"}payment=${row.id}`,
      callbackUrl: `${input.publicUrl}/api/payments/mpesa/callback/${row.id}/${callbackToken}`,
    });
    const [after] = await ctx.db
      .update(t.onlinePayments)
      .set({ providerRef: started.providerRef, updatedAt: new Date() })
      .where(eq(t.onlinePayments.id, row.id))
      .returning();
    await writeAudit(ctx, {
      action: "payment.started",
      entityType: "online_payment",
      entityId: row.id,
      details: { provider: input.provider, purpose: input.purpose, amountCents: what.amountCents, currency },
    });
    return {
      payment: publicPayment(after ?? row),
      ...(started.redirectUrl ? { redirectUrl: started.redirectUrl } : {}),
      ...(started.customerMessage ? { customerMessage: started.customerMessage } : {}),
    };
  } catch (err) {
    if (!(err instanceof PaymentError)) throw err;
    await fail(err.message);
    if (err instanceof PaymentInputError) {
      throw new AppError(400, ErrorCode.validation, `${err.field}: ${err.message}`);
    }
    throw new AppError(502, ErrorCode.paymentProviderError, `The payment provider refused: ${err.message}`);
  }
}

export type SettleResult = "settled" | "failed" | "duplicate" | "mismatch" | "unknown";

/**
 * Applies a verified provider outcome. Runs as the system (the subscriber is not signed in when a
 * callback arrives); the audit entry names the provider and the subscriber.
 */
export async function settlePayment(
  ctx: ServiceCtx,
  provider: ProviderName,
  outcome: Exclude<PaymentOutcome, { kind: "ignored" }>,
): Promise<{ result: SettleResult; payment?: Payment }> {
  const { t } = ctx.tenant;
  const p = t.onlinePayments;
  return inTransaction(ctx, async (tx) => {
    const [row] = await tx.db
      .select()
      .from(p)
      .where(and(eq(p.provider, provider), eq(p.providerRef, outcome.providerRef)))
      .for("update")
      .limit(1);
    if (!row) return { result: "unknown" as const };
    const actx: ServiceCtx = {
      ...tx,
      actor: { ...tx.actor, label: `payment:${provider}`, subscriberId: row.subscriberId },
    };
    const finish = async (set: Partial<Payment>, result: SettleResult, action: string, details = {}) => {
      const [after] = await tx.db
        .update(p)
        .set({ ...set, lastEventId: outcome.eventId, completedAt: new Date(), updatedAt: new Date() })
        .where(eq(p.id, row.id))
        .returning();
      await writeAudit(actx, { action, entityType: "online_payment", entityId: row.id, details });
      return { result, ...(after ? { payment: after } : {}) };
    };
    // Final already: a retry, a duplicate, or an older event arriving late. Only a success that
    // follows a failure we recorded ourselves (e.g. the start timed out but the money was taken)
    // still counts: money received is never dropped.
    if (row.status === "succeeded") return { result: "duplicate" as const, payment: row };
    if (row.status === "failed" && (outcome.kind === "failed" || row.failureReason?.startsWith("mismatch"))) {
      return { result: "duplicate" as const, payment: row };
    }
    if (outcome.kind === "failed") {
      return finish({ status: "failed", failureReason: outcome.reason.slice(0, 500) }, "failed", "payment.failed", {
        reason: outcome.reason,
      });
    }
    if (outcome.amountCents !== row.amountCents || outcome.currency.toUpperCase() !== row.currency) {
      const reason = `mismatch: paid ${outcome.amountCents} ${outcome.currency}, expected ${row.amountCents} ${row.currency}`;
      return finish({ status: "failed", failureReason: reason }, "mismatch", "payment.mismatch", { reason });
    }
    const label = `${provider === "stripe" ? "Card" : "M-Pesa"} payment ${outcome.providerTxnId ?? outcome.providerRef}`;
    // On the payment row: paid online, with the provider's own reference (receipt, intent id).
    const receipt = { method: "online" as const, reference: outcome.providerTxnId ?? outcome.providerRef };
    let moved: Record<string, unknown>;
    const invoice = row.invoiceId
      ? (await tx.db.select().from(t.invoices).where(eq(t.invoices.id, row.invoiceId)).for("update").limit(1))[0]
      : undefined;
    if (
      row.purpose === "invoice" &&
      invoice?.status === "unpaid" &&
      invoice.amountCents - invoice.amountPaidCents - invoice.creditedCents <= row.amountCents
    ) {
      const paid = await payInvoice({
        ctx: actx,
        input: { id: invoice.id, amountCents: row.amountCents, description: label, ...receipt },
      });
      moved = { invoiceId: invoice.id, transactionId: paid.transaction.id };
    } else {
      // Renewal, or an invoice settled some other way meanwhile: the money becomes credit first.
      const credit = await changeSubscriberBalance({
        ctx: actx,
        input: {
          subscriberId: row.subscriberId,
          amountCents: row.amountCents,
          type: "payment",
          description: label,
          receipt,
        },
      });
      moved = { creditTransactionId: credit.id };
      if (row.purpose === "renewal") {
        const renewed = await renewSubscriber({ ctx: actx, input: { subscriberId: row.subscriberId } });
        moved = { ...moved, renewalInvoiceId: renewed.invoice.id, expiresAt: renewed.subscriber.expiresAt };
      }
    }
    return finish(
      { status: "succeeded", failureReason: null, providerTxnId: outcome.providerTxnId ?? null },
      "settled",
      "payment.succeeded",
      { amountCents: row.amountCents, currency: row.currency, ...moved },
    );
  });
}

/**
 * The subscriber's view of one payment. A payment still pending after a while is asked about at
 * the provider, so a lost callback does not leave it pending for ever.
 */
export async function getPayment(deps: ProviderDeps, { ctx, input }: { ctx: PortalCtx; input: { id: string } }) {
  const p = ctx.tenant.t.onlinePayments;
  const [row] = await ctx.db
    .select()
    .from(p)
    .where(and(eq(p.id, input.id), eq(p.subscriberId, ctx.subscriberId)))
    .limit(1);
  if (!row) throw notFound("Payment not found");
  if (row.status !== "pending" || !row.providerRef || Date.now() - row.createdAt.getTime() < 20_000) {
    return publicPayment(row);
  }
  const provider = await loadProvider(deps, ctx, row.provider, { requireEnabled: false });
  const state = await provider
    ?.query(row.providerRef, { amountCents: row.amountCents, currency: row.currency })
    .catch((err: unknown) => {
      if (err instanceof PaymentProviderError) return undefined; // ask again on the next look
      throw err;
    });
  if (!state || state.kind === "pending" || state.kind === "ignored") return publicPayment(row);
  const { payment } = await settlePayment({ ...ctx, actor: { ...ctx.actor, userId: null } }, row.provider, state);
  return publicPayment(payment ?? row);
}

/** For the M-Pesa callback route: the payment its unguessable address names, or nothing. */
export async function paymentByCallback(ctx: ServiceCtx, id: string, token: string) {
  const p = ctx.tenant.t.onlinePayments;
  const [row] = await ctx.db
    .select()
    .from(p)
    .where(and(eq(p.id, id), eq(p.provider, "mpesa")))
    .limit(1);
  return row && equalSecret(row.callbackToken, token) ? row : null;
}
