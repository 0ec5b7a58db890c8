import { type Db, type TenantClientCache, tenants } from "@proxpanel/db";
import type { SharedState } from "@proxpanel/tenancy";
import type { Cron } from "croner";
import { and, eq, inArray, lt, sql } from "drizzle-orm";
import type { Logger } from "pino";

/** Where an API instance listens (apps/api/src/routes/payments/reconcile.ts); the two must agree. */
export const RECONCILE_CHANNEL = "proxpanel:payments:reconcile";
/** A payment's own callback normally lands within seconds; one pending past this is asked about. */
export const PENDING_AFTER_MS = 10 * 60_000;

export interface PaymentJobDeps {
  db: Db;
  tenantClients: TenantClientCache;
  logger: Logger;
  state?: SharedState;
}

type Job = (name: string, pattern: string, fn: () => Promise<unknown>) => Cron;

/**
 * Finds the tenants with online payments pending longer than `olderThanMs` (one indexed query per
 * tenant, online_payments_pending_idx) and asks the API to reconcile them: it queries the provider
 * and settles through the callbacks' own path. Returns the tenants nudged.
 */
export async function nudgePendingPayments(
  deps: PaymentJobDeps,
  opts: { olderThanMs?: number; now?: Date; tenantIds?: string[] } = {},
): Promise<{ tenantId: string; pending: number }[]> {
  const olderThanMs = opts.olderThanMs ?? PENDING_AFTER_MS;
  const cutoff = new Date((opts.now ?? new Date()).getTime() - olderThanMs);
  const rows = await deps.db
    .select({ id: tenants.id, schemaName: tenants.schemaName })
    .from(tenants)
    .where(
      and(
        eq(tenants.status, "active"),
        opts.tenantIds ? inArray(tenants.id, opts.tenantIds) : undefined,
        sql`exists (select 1 from pg_namespace where nspname = ${tenants.schemaName})`,
      ),
    );
  const nudged: { tenantId: string; pending: number }[] = [];
  for (const tenant of rows) {
    try {
      const { db, t } = deps.tenantClients.get(tenant.schemaName);
      const p = t.onlinePayments;
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(p)
        .where(and(eq(p.status, "pending"), lt(p.createdAt, cutoff)));
      if (!row?.n) continue;
      await deps.state?.publish(RECONCILE_CHANNEL, JSON.stringify({ tenantId: tenant.id, olderThanMs }));
      nudged.push({ tenantId: tenant.id, pending: row.n });
    } catch (err) {
      deps.logger.warn({ err: String(err), tenantId: tenant.id }, "pending payments not checked");
    }
  }
  return nudged;
}

export function paymentJobs(deps: PaymentJobDeps, job: Job): Cron[] {
  if (!deps.state) return [];
  const log = deps.logger.child({ component: "payment-reconcile" });
  return [
    job("payments-reconcile", "*/5 * * * *", async () => {
      const nudged = await nudgePendingPayments(deps);
      if (nudged.length) log.info({ nudged }, "pending payments sent for reconciliation");
    }),
  ];
}
