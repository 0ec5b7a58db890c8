import { applyPaidPeriod, issueInvoice, restoreIfCleared } from "@proxpanel/billing";
import type { InvoiceLine, PAYMENT_METHODS } from "@proxpanel/db";
import { dispatchDynAuth } from "@proxpanel/dynauth";
import { and, asc, count, desc, eq, gte, inArray, lt, or, type SQL, sql } from "drizzle-orm";
import { AppError, ErrorCode, notFound } from "../errors.ts";
import type { Page } from "../pagination.ts";
import { writeAudit } from "./audit.ts";
import { inTransaction, type ServiceCtx } from "./context.ts";
import { notifySubscriber } from "./notify.ts";

/*
 * Money model (integer cents):
 * - A subscriber's or reseller's balance is prepaid credit and never goes below zero: every
 *   debit is a conditional `UPDATE ... SET balance = balance + $x WHERE balance + $x >= 0
 *   RETURNING`, so concurrent changes serialise on the row and none is lost.
 * - Every balance change writes one transaction row whose signed amount is the change and whose
 *   balance_after is what the UPDATE returned; a balance is therefore the sum of its rows.
 * - A manual invoice is a bill and moves nothing until paid. Paying it in cash credits only the
 *   overpayment (the row's amount is `paid - invoice`, often 0); paying it from the balance
 *   debits the invoice amount.
 * - Renewal by an admin draws on the subscriber's balance (`renewal`); renewal by a reseller's
 *   login draws on the reseller's balance (`reseller_charge`) and leaves the subscriber's alone.
 *   Either refuses with 409 `insufficient_balance` rather than going negative.
 */

type Tables = ServiceCtx["tenant"]["t"];

const invoiceFacts = (i: { number: number; amountCents: number; dueAt: Date | null }) => ({
  number: i.number,
  amountCents: i.amountCents,
  dueAt: i.dueAt,
});
type TxType = Tables["transactions"]["$inferInsert"]["type"];

const insufficient = (who: string) =>
  new AppError(409, ErrorCode.insufficientBalance, `The ${who}'s balance does not cover this charge.`);

/** Rows a reseller's login may see: its own, or those of subscribers it owns. */
function resellerScope(ctx: ServiceCtx, table: Tables["invoices"] | Tables["transactions"]): SQL | undefined {
  const r = ctx.actor.resellerId;
  if (!r) return undefined;
  const { t } = ctx.tenant;
  const own = ctx.db.select({ id: t.subscribers.id }).from(t.subscribers).where(eq(t.subscribers.resellerId, r));
  return or(eq(table.resellerId, r), inArray(table.subscriberId, own));
}

/** A reseller's login reaches only its own subscribers; anything else is simply not found. */
function subscriberScope(ctx: ServiceCtx, id: string): SQL | undefined {
  const s = ctx.tenant.t.subscribers;
  return ctx.actor.resellerId ? and(eq(s.id, id), eq(s.resellerId, ctx.actor.resellerId)) : eq(s.id, id);
}

async function lockSubscriber(ctx: ServiceCtx, id: string) {
  const s = ctx.tenant.t.subscribers;
  const row = (await ctx.db.select().from(s).where(subscriberScope(ctx, id)).for("update").limit(1))[0];
  if (!row) throw notFound("Subscriber not found");
  return row;
}

export interface BalanceChange {
  amountCents: number;
  type: TxType;
  description: string;
  invoiceId?: string | null | undefined;
  /** Debits normally refuse to take the balance below zero; set only for deliberate corrections. */
  allowNegative?: boolean | undefined;
  /** Money received: how, its reference (slip, M-Pesa code, provider id) and the day it came in. */
  receipt?: PaymentReceipt | undefined;
}

export type PaymentMethod = (typeof PAYMENT_METHODS)[number];
export interface PaymentReceipt {
  method?: PaymentMethod | undefined;
  reference?: string | undefined;
  receivedAt?: Date | undefined;
}

/**
 * Atomically changes a subscriber's balance and records the transaction. Writes no audit entry:
 * the calling operation audits what it did as a whole.
 */
export async function changeSubscriberBalance({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: BalanceChange & { subscriberId: string };
}) {
  const { t } = ctx.tenant;
  const s = t.subscribers;
  return inTransaction(ctx, async (tx) => {
    const guard = input.allowNegative ? undefined : sql`${s.balanceCents} + ${input.amountCents} >= 0`;
    const [row] = await tx.db
      .update(s)
      .set({ balanceCents: sql`${s.balanceCents} + ${input.amountCents}`, updatedAt: new Date() })
      .where(and(subscriberScope(tx, input.subscriberId), guard))
      .returning({ balanceCents: s.balanceCents });
    if (!row) {
      await lockSubscriber(tx, input.subscriberId); // 404 if it is not there (or not the reseller's)
      throw insufficient("subscriber");
    }
    return insertTransaction(tx, { ...input, resellerId: null, balanceAfterCents: row.balanceCents });
  });
}

/** The reseller counterpart of `changeSubscriberBalance`; `subscriberId` only labels the row. */
export async function changeResellerBalance({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: BalanceChange & { resellerId: string; subscriberId?: string | null | undefined };
}) {
  const r = ctx.tenant.t.resellers;
  return inTransaction(ctx, async (tx) => {
    const guard = input.allowNegative ? undefined : sql`${r.balanceCents} + ${input.amountCents} >= 0`;
    const [row] = await tx.db
      .update(r)
      .set({ balanceCents: sql`${r.balanceCents} + ${input.amountCents}`, updatedAt: new Date() })
      .where(and(eq(r.id, input.resellerId), guard))
      .returning({ balanceCents: r.balanceCents });
    if (!row) {
      const exists = await tx.db.select({ id: r.id }).from(r).where(eq(r.id, input.resellerId)).limit(1);
      if (!exists.length) throw notFound("Reseller not found");
      throw insufficient("reseller");
    }
    return insertTransaction(tx, {
      ...input,
      subscriberId: input.subscriberId ?? null,
      balanceAfterCents: row.balanceCents,
    });
  });
}

async function insertTransaction(
  ctx: ServiceCtx,
  v: BalanceChange & { subscriberId: string | null; resellerId: string | null; balanceAfterCents: number },
) {
  const [row] = await ctx.db
    .insert(ctx.tenant.t.transactions)
    .values({
      type: v.type,
      subscriberId: v.subscriberId,
      resellerId: v.resellerId,
      invoiceId: v.invoiceId ?? null,
      amountCents: v.amountCents,
      balanceAfterCents: v.balanceAfterCents,
      description: v.description,
      actorUserId: ctx.actor.userId,
      method: v.receipt?.method ?? null,
      reference: v.receipt?.reference ?? null,
      receivedAt: v.receipt ? (v.receipt.receivedAt ?? new Date()) : null,
    })
    .returning();
  if (!row) throw new Error("insert returned nothing");
  return row;
}

// ---- manual money movements --------------------------------------------------------------------

export async function recordSubscriberMovement({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: {
    subscriberId: string;
    type: "payment" | "adjustment";
    amountCents: number;
    description: string;
  } & PaymentReceipt;
}) {
  return inTransaction(ctx, async (tx) => {
    const before = await lockSubscriber(tx, input.subscriberId);
    const { method, reference, receivedAt, ...change } = input;
    const transaction = await changeSubscriberBalance({
      ctx: tx,
      input: {
        ...change,
        ...(input.type === "payment" ? { receipt: { method: method ?? "cash", reference, receivedAt } } : {}),
      },
    });
    await writeAudit(tx, {
      action: `billing.${input.type}`,
      entityType: "subscriber",
      entityId: input.subscriberId,
      details: {
        amountCents: input.amountCents,
        before: { balanceCents: before.balanceCents },
        after: { balanceCents: transaction.balanceAfterCents },
        transactionId: transaction.id,
      },
    });
    return transaction;
  });
}

// ---- invoices ----------------------------------------------------------------------------------

export const INVOICE_SORTS = ["created", "amount", "number"] as const;

export interface ListInvoicesInput {
  page: number;
  limit: number;
  order: "asc" | "desc";
  sort: (typeof INVOICE_SORTS)[number];
  status?: "unpaid" | "paid" | "void" | undefined;
  subscriberId?: string | undefined;
  resellerId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

export async function listInvoices({ ctx, input }: { ctx: ServiceCtx; input: ListInvoicesInput }) {
  const { t } = ctx.tenant;
  const i = t.invoices;
  const f: (SQL | undefined)[] = [resellerScope(ctx, i)];
  if (input.status) f.push(eq(i.status, input.status));
  if (input.subscriberId) f.push(eq(i.subscriberId, input.subscriberId));
  if (input.resellerId) f.push(eq(i.resellerId, input.resellerId));
  if (input.from) f.push(gte(i.createdAt, input.from));
  if (input.to) f.push(lt(i.createdAt, input.to));
  const where = and(...f);
  const col = { created: i.createdAt, amount: i.amountCents, number: i.number }[input.sort];
  const [rows, totals] = await Promise.all([
    ctx.db
      .select({ invoice: i, username: t.subscribers.username })
      .from(i)
      .leftJoin(t.subscribers, eq(t.subscribers.id, i.subscriberId))
      .where(where)
      .orderBy(input.order === "asc" ? asc(col) : desc(col), asc(i.number))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    ctx.db.select({ n: count() }).from(i).where(where),
  ]);
  const items = rows.map((r) => ({ ...r.invoice, subscriberUsername: r.username }));
  const page: Page<(typeof items)[number]> = { items, total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
  return page;
}

export async function getInvoice({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  const invoice = (
    await ctx.db
      .select()
      .from(t.invoices)
      .where(and(eq(t.invoices.id, input.id), resellerScope(ctx, t.invoices)))
      .limit(1)
  )[0];
  if (!invoice) throw notFound("Invoice not found");
  const transactions = await ctx.db
    .select()
    .from(t.transactions)
    .where(eq(t.transactions.invoiceId, input.id))
    .orderBy(asc(t.transactions.id));
  return { ...invoice, transactions };
}

export interface CreateInvoiceInput {
  subscriberId: string;
  /** Required unless lines are given (then their sum). */
  amountCents?: number | undefined;
  lines?: InvoiceLine[] | undefined;
  /** A tax rate of the tenant; null for none; left out, the tenant's default rate. */
  taxRateId?: string | null | undefined;
  description: string;
  dueAt?: Date | null | undefined;
  periodStart?: Date | null | undefined;
  periodEnd?: Date | null | undefined;
}

export async function createInvoice({ ctx, input }: { ctx: ServiceCtx; input: CreateInvoiceInput }) {
  return inTransaction(ctx, async (tx) => {
    const sub = await lockSubscriber(tx, input.subscriberId);
    const taxRate = typeof input.taxRateId === "string" ? await findTaxRate(tx, input.taxRateId) : input.taxRateId;
    const { taxRateId: _r, ...rest } = input;
    const invoice = await issueInvoice(
      { db: tx.db, t: tx.tenant.t },
      { ...rest, taxRate, subscriberId: sub.id, resellerId: sub.resellerId },
    );
    await writeAudit(tx, {
      action: "invoice.create",
      entityType: "invoice",
      entityId: invoice.id,
      details: { after: invoice },
    });
    await notifySubscriber(tx, "invoice", sub.id, { invoice: invoiceFacts(invoice) });
    return invoice;
  });
}

async function findTaxRate(ctx: ServiceCtx, id: string) {
  const r = ctx.tenant.t.taxRates;
  const [rate] = await ctx.db.select().from(r).where(eq(r.id, id)).limit(1);
  if (!rate) {
    throw new AppError(400, ErrorCode.validation, "taxRateId: no such tax rate", [
      { path: "taxRateId", message: "no such tax rate" },
    ]);
  }
  return rate;
}

async function lockInvoice(ctx: ServiceCtx, id: string) {
  const i = ctx.tenant.t.invoices;
  const row = (
    await ctx.db
      .select()
      .from(i)
      .where(and(eq(i.id, id), resellerScope(ctx, i)))
      .for("update")
      .limit(1)
  )[0];
  if (!row) throw notFound("Invoice not found");
  if (row.status !== "unpaid") throw new AppError(409, ErrorCode.conflict, `This invoice is already ${row.status}.`);
  return row;
}

export async function payInvoice({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: {
    id: string;
    amountCents?: number | undefined;
    fromBalance?: boolean | undefined;
    description?: string | undefined;
    method?: PaymentMethod | undefined;
    reference?: string | undefined;
    receivedAt?: Date | undefined;
  };
}) {
  const i = ctx.tenant.t.invoices;
  const result = await inTransaction(ctx, async (tx) => {
    const before = await lockInvoice(tx, input.id);
    if (!before.subscriberId) throw new AppError(409, ErrorCode.conflict, "This invoice has no subscriber to pay it.");
    if (input.fromBalance && input.amountCents !== undefined) {
      throw new AppError(400, ErrorCode.validation, "amountCents: not allowed when paying from the balance");
    }
    // What is still owed after earlier part payments and credit notes.
    const owed = before.amountCents - before.amountPaidCents - before.creditedCents;
    const paid = input.amountCents ?? owed;
    // A part payment settles that much and leaves the invoice unpaid; the one that covers the rest
    // marks it paid, and anything beyond stays on the balance as credit.
    const settles = Math.min(paid, owed);
    const full = settles >= owed;
    // Money received is its own row (the amount that came in); the invoice is then settled by a
    // charge of what it settles, from that money or from the balance. Their sum is what the
    // balance gains: an overpayment stays on it as credit.
    const payment = input.fromBalance
      ? null
      : await changeSubscriberBalance({
          ctx: tx,
          input: {
            subscriberId: before.subscriberId,
            amountCents: paid,
            type: "payment",
            invoiceId: before.id,
            description: input.description ?? `Invoice #${before.number}: payment received`,
            receipt: { method: input.method ?? "cash", reference: input.reference, receivedAt: input.receivedAt },
          },
        });
    const transaction = await changeSubscriberBalance({
      ctx: tx,
      input: {
        subscriberId: before.subscriberId,
        amountCents: -settles,
        type: "invoice_charge",
        invoiceId: before.id,
        description: `Invoice #${before.number} ${full ? "paid" : "paid in part"} ${input.fromBalance ? "from the balance" : "with the payment received"}`,
        // With a payment the pair never lowers the balance; an old debt stays as it was.
        allowNegative: !input.fromBalance,
      },
    });
    const [after] = await tx.db
      .update(i)
      .set({
        amountPaidCents: before.amountPaidCents + settles,
        ...(full ? { status: "paid" as const, paidAt: new Date() } : {}),
        updatedAt: new Date(),
      })
      .where(eq(i.id, before.id))
      .returning();
    // A plan period ahead of the expiry (the recurring run's prepaid invoice): paying it renews.
    const renewed = full ? await applyPaidPeriod({ db: tx.db, t: tx.tenant.t }, before) : null;
    // Suspended for non-payment and nothing overdue left: enabled again.
    const restored = full ? await restoreIfCleared({ db: tx.db, t: tx.tenant.t }, before.subscriberId) : null;
    await writeAudit(tx, {
      action: "invoice.pay",
      entityType: "invoice",
      entityId: before.id,
      details: {
        before,
        after,
        paidCents: input.fromBalance ? settles : paid,
        settledCents: settles,
        fullyPaid: full,
        transactionId: transaction.id,
        paymentId: payment?.id ?? null,
        ...(renewed ? { renewed: { from: renewed.before.expiresAt, to: renewed.after.expiresAt } } : {}),
        ...(restored ? { restored: { before: { status: restored.before.status }, after: { status: "active" } } } : {}),
      },
    });
    await notifySubscriber(tx, "payment_received", before.subscriberId, {
      payment: { amountCents: input.fromBalance ? settles : paid },
      invoice: invoiceFacts(before),
    });
    return { invoice: after ?? before, transaction, payment, restored: restored !== null };
  });
  // Committed (when this call owned the transaction): a session held in a suspended state is
  // ended so the subscriber reconnects with its full service.
  if (result.restored && ctx.db === ctx.tenant.db && result.invoice.subscriberId) {
    dispatchDynAuth(ctx.tenant, result.invoice.subscriberId, { kind: "disconnect", reason: "admin" });
  }
  return result;
}

export async function voidInvoice({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const i = ctx.tenant.t.invoices;
  return inTransaction(ctx, async (tx) => {
    const before = await lockInvoice(tx, input.id);
    // Money already taken against it would vanish with a void: a credit note returns it instead.
    if (before.amountPaidCents > 0 || before.creditedCents > 0) {
      throw new AppError(409, ErrorCode.conflict, "This invoice is partly paid or credited; issue a credit note.");
    }
    const [after] = await tx.db
      .update(i)
      .set({ status: "void", updatedAt: new Date() })
      .where(eq(i.id, before.id))
      .returning();
    await writeAudit(tx, {
      action: "invoice.void",
      entityType: "invoice",
      entityId: before.id,
      details: { before, after },
    });
    return after ?? before;
  });
}

// ---- transactions ------------------------------------------------------------------------------

export interface ListTransactionsInput {
  page: number;
  limit: number;
  order: "asc" | "desc";
  type?: TxType | undefined;
  subscriberId?: string | undefined;
  resellerId?: string | undefined;
  invoiceId?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

export async function listTransactions({ ctx, input }: { ctx: ServiceCtx; input: ListTransactionsInput }) {
  const x = ctx.tenant.t.transactions;
  const f: (SQL | undefined)[] = [resellerScope(ctx, x)];
  if (input.type) f.push(eq(x.type, input.type));
  if (input.subscriberId) f.push(eq(x.subscriberId, input.subscriberId));
  if (input.resellerId) f.push(eq(x.resellerId, input.resellerId));
  if (input.invoiceId) f.push(eq(x.invoiceId, input.invoiceId));
  if (input.from) f.push(gte(x.createdAt, input.from));
  if (input.to) f.push(lt(x.createdAt, input.to));
  const where = and(...f);
  const dir = input.order === "asc" ? asc : desc;
  const [items, totals] = await Promise.all([
    ctx.db
      .select()
      .from(x)
      .where(where)
      .orderBy(dir(x.createdAt), dir(x.id))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    ctx.db.select({ n: count() }).from(x).where(where),
  ]);
  const page: Page<(typeof items)[number]> = { items, total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
  return page;
}

// ---- renewal -----------------------------------------------------------------------------------

const DAY_MS = 86_400_000;

/**
 * Extends a subscriber by its plan's validity from max(now, current expiry), in one transaction:
 * the subscriber row is locked first so two renewals queue instead of both reading the same
 * expiry. Usable inside a caller's transaction (e.g. the subscribers route).
 */
export async function renewSubscriber({ ctx, input }: { ctx: ServiceCtx; input: { subscriberId: string } }) {
  const { t } = ctx.tenant;
  return inTransaction(ctx, async (tx) => {
    const before = await lockSubscriber(tx, input.subscriberId);
    if (!before.planId) throw new AppError(409, ErrorCode.conflict, "The subscriber has no plan to renew.");
    const plan = (await tx.db.select().from(t.servicePlans).where(eq(t.servicePlans.id, before.planId)).limit(1))[0];
    if (!plan) throw new AppError(409, ErrorCode.conflict, "The subscriber's plan no longer exists.");

    const now = Date.now();
    const periodStart = new Date(Math.max(now, before.expiresAt?.getTime() ?? now));
    const periodEnd = new Date(periodStart.getTime() + plan.validityDays * DAY_MS);
    const invoice = await issueInvoice(
      { db: tx.db, t },
      {
        subscriberId: before.id,
        resellerId: before.resellerId,
        amountCents: plan.priceCents,
        status: "paid",
        paidAt: new Date(now),
        description: `Renewal: ${plan.name} (${plan.validityDays} days)`,
        periodStart,
        periodEnd,
      },
    );

    // The total, tax included (the plan's price itself when the tenant has no exclusive tax).
    const charge = { amountCents: -invoice.amountCents, invoiceId: invoice.id, description: invoice.description };
    const reseller = tx.actor.resellerId;
    const transaction = reseller
      ? await changeResellerBalance({
          ctx: tx,
          input: { ...charge, type: "reseller_charge", resellerId: reseller, subscriberId: before.id },
        })
      : await changeSubscriberBalance({ ctx: tx, input: { ...charge, type: "renewal", subscriberId: before.id } });

    const [after] = await tx.db
      .update(t.subscribers)
      .set({
        expiresAt: periodEnd,
        status: before.status === "expired" ? "active" : before.status,
        updatedAt: new Date(),
      })
      .where(eq(t.subscribers.id, before.id))
      .returning();
    if (!after) throw notFound("Subscriber not found");
    await writeAudit(tx, {
      action: "subscriber.renew",
      entityType: "subscriber",
      entityId: before.id,
      details: {
        before: { status: before.status, expiresAt: before.expiresAt, balanceCents: before.balanceCents },
        after: { status: after.status, expiresAt: after.expiresAt, balanceCents: after.balanceCents },
        planId: plan.id,
        invoiceId: invoice.id,
        transactionId: transaction.id,
        chargedTo: reseller ? { resellerId: reseller } : { subscriberId: before.id },
      },
    });
    await notifySubscriber(tx, "invoice", before.id, { invoice: invoiceFacts(invoice) });
    const { passwordEnc: _p, ...subscriber } = after;
    return { subscriber, invoice, transaction };
  });
}
