import type { Invoice, ServicePlan, TaxRate, TenantDb, TenantTables } from "@proxpanel/db";
import { eq, sql } from "drizzle-orm";
import type { BillingDb, BillingScope } from "./db.ts";
import { defaultTaxRate, issueInvoice } from "./issue.ts";
import { applyPaidPeriod, settleFromBalance, systemAudit } from "./period.ts";
import { readBillingSettings } from "./settings.ts";

const DAY_MS = 86_400_000;
/**
 * Subscribers per transaction. The invoice counter's row stays locked until the commit, so an
 * operator creating an invoice meanwhile waits for at most one chunk (tens of milliseconds).
 */
const CHUNK = 50;

export interface InvoiceRunResult {
  prepaidIssued: number;
  postpaidIssued: number;
  /** Invoices paid at once from the subscriber's prepaid credit. */
  settledFromBalance: number;
  failed: { subscriberId: string; error: string }[];
}

/**
 * Runs inside the transaction that issued `invoice` (after it was settled from the balance, if it
 * was): what it writes commits or rolls back with the invoice, so it happens exactly once per
 * invoice. The worker queues the invoice-issued messages here (billing does not depend on notify).
 */
export type OnInvoiceIssued = (scope: BillingScope, invoice: Invoice) => Promise<void>;

/** The period an invoice bills is its key: a re-run (or a second worker) finds it and issues nothing. */
export const cycleKey = (subscriberId: string, periodStart: Date) => `${subscriberId}:${periodStart.getTime()}`;

async function readTimezone({ db, t }: BillingScope): Promise<string> {
  const sp = t.systemPreferences;
  const [row] = await db.select({ value: sp.value }).from(sp).where(eq(sp.key, "timezone")).limit(1);
  if (typeof row?.value !== "string") return "UTC";
  try {
    new Intl.DateTimeFormat("en", { timeZone: row.value });
    return row.value;
  } catch {
    return "UTC";
  }
}

/**
 * Who is due, found in one query each, without the ones whose period is already billed:
 * - prepaid: expiry before the end of the local day `invoiceDaysBefore` days from today (tenant
 *   time); the invoice is for the next period [expiry, expiry + validity), due at expiry;
 * - postpaid: the period ends today (tenant time) or has ended; the invoice is for the period
 *   just used [expiry - validity, expiry), and the service runs on into the next period.
 * A subscriber disabled by an operator or suspended for non-payment is not billed.
 */
async function dueSubscribers(scope: BillingScope, mode: "prepaid" | "postpaid", days: number, now: Date, tz: string) {
  const { t } = scope;
  const s = t.subscribers;
  const p = t.servicePlans;
  const cutoff = sql`((${now.toISOString()}::timestamptz at time zone ${tz})::date + ${days + 1}::int)::timestamp at time zone ${tz}`;
  const start =
    mode === "prepaid" ? sql`${s.expiresAt}` : sql`${s.expiresAt} - make_interval(secs => ${p.validityDays} * 86400)`;
  const rows = await scope.db
    .select({ id: s.id })
    .from(s)
    .innerJoin(p, eq(p.id, s.planId))
    .where(
      sql`${s.billingMode} = ${mode} and ${s.status} <> 'disabled' and ${s.expiresAt} < ${cutoff}
        and ${p.priceCents} > 0
        ${mode === "prepaid" ? sql`and ${s.expiresAt} > ${new Date(now.getTime() - DAY_MS).toISOString()}::timestamptz` : sql``}
        and not exists (select 1 from ${t.invoices} i
          where i.cycle_key = ${s.id}::text || ':' || floor(extract(epoch from ${start}) * 1000)::bigint::text)`,
    )
    .orderBy(s.expiresAt);
  return rows.map((r) => r.id);
}

/**
 * One subscriber's invoice, in its own savepoint under the subscriber's row lock: the state is
 * read again there, so a renewal or payment that landed since the query is seen, and the
 * cycle key is checked before a number is taken (the unique index backs it up).
 */
async function billOne(
  client: { db: BillingDb; t: TenantTables },
  id: string,
  mode: "prepaid" | "postpaid",
  plans: Map<string, ServicePlan>,
  taxRate: TaxRate | null,
  dueDays: number,
  now: Date,
  onIssued: OnInvoiceIssued | undefined,
): Promise<{ issued: boolean; settled: boolean }> {
  const { t } = client;
  return client.db.transaction(async (tx) => {
    const scope = { db: tx, t };
    const [sub] = await tx.select().from(t.subscribers).where(eq(t.subscribers.id, id)).for("update").limit(1);
    if (!sub?.expiresAt || !sub.planId || sub.billingMode !== mode || sub.status === "disabled") {
      return { issued: false, settled: false };
    }
    const plan = plans.get(sub.planId);
    if (!plan || plan.priceCents <= 0) return { issued: false, settled: false };
    const span = plan.validityDays * DAY_MS;
    const periodStart = mode === "prepaid" ? sub.expiresAt : new Date(sub.expiresAt.getTime() - span);
    const periodEnd = new Date(periodStart.getTime() + span);
    const key = cycleKey(sub.id, periodStart);
    const [billed] = await tx.select({ id: t.invoices.id }).from(t.invoices).where(eq(t.invoices.cycleKey, key));
    if (billed) return { issued: false, settled: false };

    const invoice = await issueInvoice(scope, {
      subscriberId: sub.id,
      resellerId: sub.resellerId,
      amountCents: plan.priceCents,
      taxRate,
      description: `${plan.name}: ${periodStart.toISOString().slice(0, 10)} to ${periodEnd.toISOString().slice(0, 10)}`,
      periodStart,
      periodEnd,
      dueAt: mode === "prepaid" ? periodStart : new Date(now.getTime() + dueDays * DAY_MS),
      cycleKey: key,
    });
    await systemAudit(scope, {
      action: "invoice.create",
      entityType: "invoice",
      entityId: invoice.id,
      details: { after: invoice, billingMode: mode },
    });
    if (mode === "postpaid") {
      // Billed after use: the service runs on into the next period while this invoice is open.
      await tx
        .update(t.subscribers)
        .set({ expiresAt: new Date(sub.expiresAt.getTime() + span), status: "active", updatedAt: new Date() })
        .where(eq(t.subscribers.id, sub.id));
    }
    const paid = await settleFromBalance(scope, invoice, null);
    if (paid) {
      const renewed = await applyPaidPeriod(scope, paid);
      await systemAudit(scope, {
        action: "invoice.pay",
        entityType: "invoice",
        entityId: invoice.id,
        details: {
          before: invoice,
          after: paid,
          fromBalance: true,
          ...(renewed ? { renewed: { from: renewed.before.expiresAt, to: renewed.after.expiresAt } } : {}),
        },
      });
    }
    await onIssued?.(scope, paid ?? invoice);
    return { issued: true, settled: paid !== null };
  });
}

/** The recurring invoice run for one tenant. Safe to repeat: every period is billed once. */
export async function runInvoiceCycle(
  client: { db: TenantDb; t: TenantTables },
  opts: { now?: Date; onIssued?: OnInvoiceIssued } = {},
): Promise<InvoiceRunResult> {
  const now = opts.now ?? new Date();
  const scope = { db: client.db, t: client.t };
  const [settings, tz, taxRate, planRows] = await Promise.all([
    readBillingSettings(scope),
    readTimezone(scope),
    defaultTaxRate(scope),
    client.db.select().from(client.t.servicePlans),
  ]);
  const plans = new Map(planRows.map((p) => [p.id, p]));
  const result: InvoiceRunResult = { prepaidIssued: 0, postpaidIssued: 0, settledFromBalance: 0, failed: [] };
  for (const mode of ["prepaid", "postpaid"] as const) {
    const ids = await dueSubscribers(scope, mode, mode === "prepaid" ? settings.invoiceDaysBefore : 0, now, tz);
    // CHUNK subscribers per commit (one commit each made the run 5× slower); each in a savepoint,
    // so one that fails is skipped (and billed by the next run) without undoing the others.
    for (let i = 0; i < ids.length; i += CHUNK) {
      await client.db.transaction(async (tx) => {
        for (const id of ids.slice(i, i + CHUNK)) {
          try {
            const r = await billOne(
              { db: tx, t: client.t },
              id,
              mode,
              plans,
              taxRate,
              settings.postpaidDueDays,
              now,
              opts.onIssued,
            );
            if (r.issued) result[mode === "prepaid" ? "prepaidIssued" : "postpaidIssued"] += 1;
            if (r.settled) result.settledFromBalance += 1;
          } catch (err) {
            result.failed.push({ subscriberId: id, error: String(err) });
          }
        }
      });
    }
  }
  return result;
}
