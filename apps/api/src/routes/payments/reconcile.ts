import { tenants } from "@proxpanel/db";
import { type PaymentProvider, PaymentProviderError, type ProviderName } from "@proxpanel/payments";
import type { SharedState } from "@proxpanel/tenancy";
import { and, asc, eq, lt } from "drizzle-orm";
import type { Logger } from "pino";
import type { AppDeps } from "../../deps.ts";
import type { ServiceCtx } from "../../services/context.ts";
import { settlePayment } from "./online-payments.ts";
import { loadProvider, type ProviderDeps } from "./provider-settings.ts";

/**
 * The worker publishes a tenant id here when that tenant has online payments pending for longer
 * than it should (`apps/worker/src/payment-jobs.ts`); an API instance then asks the provider about
 * each and settles it through `settlePayment`, the path callbacks take. The worker only finds and
 * triggers: settlement moves invoices, balances and renewals, which live in the API's services,
 * and an app may not import another app.
 */
export const RECONCILE_CHANNEL = "proxpanel:payments:reconcile";

/** Pending this long with the provider still undecided: given up on ("expired"), money untouched. */
export const EXPIRE_AFTER_MS: Record<ProviderName, number> = {
  // Checkout Sessions expire after 24 h by default; past that Stripe says "expired" itself.
  stripe: 25 * 3_600_000,
  // An STK prompt lives about a minute on the phone; Daraja answers the query within the hour.
  mpesa: 3_600_000,
};

export interface ReconcileReport {
  checked: number;
  settled: number;
  failed: number;
  expired: number;
  stillPending: number;
  /** The provider could not be asked (down, refused): asked again next time. */
  unreachable: number;
}

/**
 * Asks the provider about every payment of this tenant pending for longer than `olderThanMs` and
 * applies the answer through `settlePayment` (idempotent: a callback that lands meanwhile wins and
 * the other finds the row final). One undecided past EXPIRE_AFTER_MS is failed as expired.
 */
export async function reconcilePendingPayments(
  pdeps: ProviderDeps,
  ctx: ServiceCtx,
  opts: { olderThanMs: number; now?: Date; limit?: number },
): Promise<ReconcileReport> {
  const now = opts.now ?? new Date();
  const p = ctx.tenant.t.onlinePayments;
  const rows = await ctx.db
    .select()
    .from(p)
    .where(and(eq(p.status, "pending"), lt(p.createdAt, new Date(now.getTime() - opts.olderThanMs))))
    .orderBy(asc(p.createdAt))
    .limit(opts.limit ?? 200);
  const report: ReconcileReport = { checked: 0, settled: 0, failed: 0, expired: 0, stillPending: 0, unreachable: 0 };
  const providers = new Map<ProviderName, PaymentProvider | null>();
  const system: ServiceCtx = { ...ctx, actor: { ...ctx.actor, userId: null, label: "system: payment reconciliation" } };
  for (const row of rows) {
    report.checked += 1;
    const expired = now.getTime() - row.createdAt.getTime() > EXPIRE_AFTER_MS[row.provider];
    if (!providers.has(row.provider)) {
      providers.set(row.provider, await loadProvider(pdeps, ctx, row.provider, { requireEnabled: false }));
    }
    const provider = providers.get(row.provider);
    const state =
      provider && row.providerRef
        ? await provider
            .query(row.providerRef, { amountCents: row.amountCents, currency: row.currency })
            .catch((err: unknown) => {
              if (err instanceof PaymentProviderError) return undefined;
              throw err;
            })
        : undefined;
    if (state && (state.kind === "succeeded" || state.kind === "failed")) {
      const { result } = await settlePayment(system, row.provider, state);
      if (result === "settled") report.settled += 1;
      else if (result === "failed" || result === "mismatch") report.failed += 1;
      continue;
    }
    if (!expired) {
      if (state) report.stillPending += 1;
      else report.unreachable += 1;
      continue;
    }
    // Undecided for too long (or never started at the provider, or its account is gone): failed as
    // expired. A success the provider reports later still settles (settlePayment never drops money).
    const reason = `expired: no outcome from ${row.provider} after ${Math.round((now.getTime() - row.createdAt.getTime()) / 60_000)} minutes`;
    if (row.providerRef) {
      const { result } = await settlePayment(system, row.provider, {
        kind: "failed",
        providerRef: row.providerRef,
        reason,
        eventId: `reconcile:expired:${row.id}`,
      });
      if (result === "failed") report.expired += 1;
    } else {
      // No provider reference: the start never reached the provider, so no callback can name it.
      const [done] = await ctx.db
        .update(p)
        .set({ status: "failed", failureReason: reason, completedAt: now, updatedAt: now })
        .where(and(eq(p.id, row.id), eq(p.status, "pending")))
        .returning({ id: p.id });
      if (done) report.expired += 1;
    }
  }
  return report;
}

/**
 * Listens for the worker's nudges. Each tenant is reconciled by one API instance at a time: a
 * one-point rate limit per tenant (shared through Redis) lets the first instance through and turns
 * the others away for `windowS`.
 */
export async function startPaymentReconciler(opts: {
  state: SharedState;
  logger: Logger;
  /** Builds the system context and provider deps of a tenant; null when it is gone or inactive. */
  tenant: (tenantId: string) => Promise<{ ctx: ServiceCtx; pdeps: ProviderDeps } | null>;
  windowS?: number;
}): Promise<() => Promise<void>> {
  const once = opts.state.rateLimiter({ points: 1, duration: opts.windowS ?? 30 });
  const log = opts.logger.child({ component: "payment-reconcile" });
  const run = async (tenantId: string, olderThanMs: number) => {
    try {
      await once.consume(`payments-reconcile:${tenantId}`);
    } catch {
      return; // another instance has it
    }
    const bound = await opts.tenant(tenantId);
    if (!bound) return;
    const report = await reconcilePendingPayments(bound.pdeps, bound.ctx, { olderThanMs });
    if (report.checked) log.info({ tenantId, ...report }, "pending payments reconciled");
  };
  return opts.state.subscribe(RECONCILE_CHANNEL, (message) => {
    let body: { tenantId?: unknown; olderThanMs?: unknown };
    try {
      body = JSON.parse(message) as typeof body;
    } catch {
      return;
    }
    const { tenantId, olderThanMs } = body;
    if (typeof tenantId !== "string" || typeof olderThanMs !== "number") return;
    // Never younger than a minute: a payment's own callback gets its chance first.
    run(tenantId, Math.max(60_000, olderThanMs)).catch((err: unknown) =>
      log.error({ err, tenantId }, "payment reconciliation failed"),
    );
  });
}

/** The system's view of one tenant for the reconciler: active tenants with a schema only. */
export async function reconcileTarget(
  deps: Pick<AppDeps, "db" | "tenantClients" | "keys" | "config">,
  tenantId: string,
): Promise<{ ctx: ServiceCtx; pdeps: ProviderDeps } | null> {
  const [row] = await deps.db
    .select({ slug: tenants.slug, schemaName: tenants.schemaName, status: tenants.status })
    .from(tenants)
    .where(eq(tenants.id, tenantId))
    .limit(1);
  if (row?.status !== "active") return null;
  const client = deps.tenantClients.get(row.schemaName);
  const ctx: ServiceCtx = {
    tenant: { id: tenantId, slug: row.slug, ...client },
    db: client.db,
    actor: { userId: null, resellerId: null, permissions: [], label: "system", ip: null, requestId: null },
  };
  const pdeps = { key: await deps.keys.forTenant(tenantId), allowLoopback: deps.config.PAYMENTS_ALLOW_LOOPBACK };
  return { ctx, pdeps };
}
