import { type InvoiceRunResult, type OnInvoiceIssued, runInvoiceCycle, suspendOverdue } from "@proxpanel/billing";
import { type Db, type TenantClientCache, tenants } from "@proxpanel/db";
import { applyDynAuth } from "@proxpanel/dynauth";
import { enqueueForSubscriber } from "@proxpanel/notify";
import type { SharedState, TenantKeyRing } from "@proxpanel/tenancy";
import type { Cron } from "croner";
import { and, eq, inArray, sql } from "drizzle-orm";
import type { Logger } from "pino";

export interface InvoiceJobDeps {
  db: Db;
  tenantClients: TenantClientCache;
  logger: Logger;
  /** To unseal NAS secrets for the Disconnect sent on suspension; without it none is sent. */
  keys?: Pick<TenantKeyRing, "forTenant">;
  /** To tell the RADIUS daemon at once; without it, its periodic refresh picks the change up. */
  state?: SharedState;
}

type Job = (name: string, pattern: string, fn: () => Promise<unknown>) => Cron;

/** Active tenants with a schema: a suspended workspace bills no one while it is suspended. */
function billingTenants(db: Db, tenantIds?: string[]) {
  return db
    .select({ id: tenants.id, slug: tenants.slug, schemaName: tenants.schemaName })
    .from(tenants)
    .where(
      and(
        eq(tenants.status, "active"),
        tenantIds ? inArray(tenants.id, tenantIds) : undefined,
        sql`exists (select 1 from pg_namespace where nspname = ${tenants.schemaName})`,
      ),
    );
}

/**
 * The recurring invoice run over every active tenant. One tenant's failure is logged and the
 * others still run; each subscriber is its own transaction, so a failure loses one invoice at
 * most and the next run issues it.
 */
export async function runInvoices(
  deps: InvoiceJobDeps,
  opts: { now?: Date; tenantIds?: string[] } = {},
): Promise<(InvoiceRunResult & { tenantId: string; suspended: string[] })[]> {
  const out: (InvoiceRunResult & { tenantId: string; suspended: string[] })[] = [];
  for (const tenant of await billingTenants(deps.db, opts.tenantIds)) {
    try {
      const client = deps.tenantClients.get(tenant.schemaName);
      const when = opts.now ? { now: opts.now } : {};
      const r = await runInvoiceCycle(client, { ...when, onIssued: invoiceIssued(tenant.slug) });
      // Invoices first: credit that settles a new invoice never counts against the subscriber.
      const suspended = await suspendOverdue(client, when);
      if (suspended.length) await afterSuspension(deps, tenant, suspended);
      out.push({ tenantId: tenant.id, ...r, suspended });
    } catch (err) {
      deps.logger.error({ err, tenantId: tenant.id }, "invoice run failed for a tenant");
    }
  }
  return out;
}

/**
 * The invoice-issued e-mail/SMS of the tenant's templates, queued in the invoice's own transaction
 * as a manual invoice's are; the dedupe key makes a second enqueue for the same invoice add nothing.
 */
const invoiceIssued =
  (slug: string): OnInvoiceIssued =>
  async ({ db, t }, invoice) => {
    if (!invoice.subscriberId) return;
    await enqueueForSubscriber(
      { db, t, slug },
      {
        event: "invoice",
        subscriberId: invoice.subscriberId,
        data: { invoice: { number: invoice.number, amountCents: invoice.amountCents, dueAt: invoice.dueAt } },
        dedupeKey: `invoice:${invoice.id}`,
      },
    );
  };

/** Committed: the daemon reloads the tenant, and open sessions get a Disconnect. */
async function afterSuspension(deps: InvoiceJobDeps, tenant: { id: string; schemaName: string }, ids: string[]) {
  await deps.state
    ?.publish("proxpanel:radius:subscriber", JSON.stringify({ tenantId: tenant.id }))
    .catch((err: unknown) => deps.logger.warn({ err: String(err) }, "radius change not published"));
  const keys = deps.keys;
  if (!keys) return;
  for (const id of ids) {
    await applyDynAuth({ db: deps.db, keys }, tenant, id, { kind: "disconnect", reason: "disabled" }).catch(
      (err: unknown) => deps.logger.warn({ err: String(err), subscriberId: id }, "suspension disconnect"),
    );
  }
}

/**
 * Hourly: the periods are days in each tenant's timezone, and hourly runs reach every tenant's
 * day soon after it starts; re-runs issue nothing new.
 */
export function invoiceJobs(deps: InvoiceJobDeps, job: Job): Cron[] {
  const log = deps.logger.child({ component: "invoice-run" });
  return [
    job("billing-invoice-run", "7 * * * *", async () => {
      for (const r of await runInvoices(deps)) {
        if (r.prepaidIssued + r.postpaidIssued + r.suspended.length > 0) log.info(r, "invoice run");
      }
    }),
  ];
}
