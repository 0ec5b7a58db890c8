import { type InvoiceRunResult, runInvoiceCycle } from "@proxpanel/billing";
import { type Db, type TenantClientCache, tenants } from "@proxpanel/db";
import type { Cron } from "croner";
import { and, eq, sql } from "drizzle-orm";
import type { Logger } from "pino";

export interface InvoiceJobDeps {
  db: Db;
  tenantClients: TenantClientCache;
  logger: Logger;
}

type Job = (name: string, pattern: string, fn: () => Promise<unknown>) => Cron;

/** Active tenants with a schema: a suspended workspace bills no one while it is suspended. */
function billingTenants(db: Db, tenantIds?: string[]) {
  return db
    .select({ id: tenants.id, schemaName: tenants.schemaName })
    .from(tenants)
    .where(
      and(
        eq(tenants.status, "active"),
        tenantIds ? sql`${tenants.id} = any(${tenantIds}::uuid[])` : undefined,
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
): Promise<(InvoiceRunResult & { tenantId: string })[]> {
  const out: (InvoiceRunResult & { tenantId: string })[] = [];
  for (const tenant of await billingTenants(deps.db, opts.tenantIds)) {
    try {
      const r = await runInvoiceCycle(deps.tenantClients.get(tenant.schemaName), opts.now ? { now: opts.now } : {});
      out.push({ tenantId: tenant.id, ...r });
    } catch (err) {
      deps.logger.error({ err, tenantId: tenant.id }, "invoice run failed for a tenant");
    }
  }
  return out;
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
        if (r.prepaidIssued + r.postpaidIssued > 0) log.info(r, "invoices issued");
      }
    }),
  ];
}
