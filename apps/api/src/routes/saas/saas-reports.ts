import { cloudBackups, type Db, tenants } from "@proxpanel/db";
import { and, asc, eq, lt, ne, type SQL, sql } from "drizzle-orm";
import { z } from "zod";
import { notFound } from "../../errors.ts";
import { revenueFilter } from "../../services/revenue.ts";
import { unionOverSchemas } from "./saas-tenants.ts";

export interface ReportPeriod {
  from: Date;
  /** Exclusive. */
  to: Date;
}

const count = z.number().int();

/** One tenant's billing and usage over a period; also the OpenAPI response the console is typed from. */
export const tenantUsageRowSchema = z.object({
  tenantId: z.string(),
  slug: z.string(),
  companyName: z.string(),
  plan: z.string(),
  status: z.string(),
  subscribers: count,
  activeSubscribers: count,
  newSubscribers: count,
  invoicesIssued: count,
  invoicesIssuedCents: count,
  invoicesPaid: count,
  invoicesPaidCents: count,
  renewalsCents: count.describe("Renewals charged to a subscriber's or reseller's balance in the period"),
  revenueCents: count.describe(
    "Money received in the period: subscriber payments and reseller top-ups (services/revenue.ts, as the tenant's dashboard)",
  ),
  sessions: count,
  bytesIn: count,
  bytesOut: count,
  backupsStored: count,
  backupBytes: count,
});
export type TenantUsageRow = z.infer<typeof tenantUsageRowSchema>;

export const usageReportSchema = z.object({
  from: z.string(),
  to: z.string(),
  generatedAt: z.string(),
  rows: z.array(tenantUsageRowSchema),
  totals: tenantUsageRowSchema
    .omit({ tenantId: true, slug: true, companyName: true, plan: true, status: true })
    .extend({ tenants: count }),
});
export type UsageReport = z.infer<typeof usageReportSchema>;

const NUMERIC_KEYS = [
  "subscribers",
  "activeSubscribers",
  "newSubscribers",
  "invoicesIssued",
  "invoicesIssuedCents",
  "invoicesPaid",
  "invoicesPaidCents",
  "renewalsCents",
  "revenueCents",
  "sessions",
  "bytesIn",
  "bytesOut",
  "backupsStored",
  "backupBytes",
] as const satisfies readonly (keyof TenantUsageRow)[];

/**
 * Per-schema figures for the period. Sessions and traffic are counted by session start, so a
 * session that crosses the boundary belongs to the period it began in.
 */
function perSchema(schema: SQL, p: ReportPeriod): SQL {
  const from = p.from.toISOString();
  const to = p.to.toISOString();
  return sql`select
    (select count(*) from ${schema}.subscribers)::int as subscribers,
    (select count(*) from ${schema}.subscribers where status = 'active')::int as active_subscribers,
    (select count(*) from ${schema}.subscribers where created_at >= ${from}::timestamptz and created_at < ${to}::timestamptz)::int as new_subscribers,
    i.issued::int as invoices_issued, i.issued_cents::text as invoices_issued_cents,
    i.paid::int as invoices_paid, i.paid_cents::text as invoices_paid_cents,
    t.renewals_cents::text as renewals_cents, r.revenue_cents::text as revenue_cents,
    a.sessions::int as sessions, a.bytes_in::text as bytes_in, a.bytes_out::text as bytes_out
  from
    (select
       count(*) filter (where status <> 'void' and created_at >= ${from}::timestamptz and created_at < ${to}::timestamptz) as issued,
       coalesce(sum(amount_cents) filter (where status <> 'void' and created_at >= ${from}::timestamptz and created_at < ${to}::timestamptz), 0) as issued_cents,
       count(*) filter (where status = 'paid' and paid_at >= ${from}::timestamptz and paid_at < ${to}::timestamptz) as paid,
       coalesce(sum(amount_cents) filter (where status = 'paid' and paid_at >= ${from}::timestamptz and paid_at < ${to}::timestamptz), 0) as paid_cents
     from ${schema}.invoices
     where created_at < ${to}::timestamptz) i,
    (select coalesce(-sum(amount_cents), 0) as renewals_cents
     from ${schema}.transactions
     where type in ('renewal', 'reseller_charge') and created_at >= ${from}::timestamptz and created_at < ${to}::timestamptz) t,
    (select coalesce(sum(x.amount_cents), 0) as revenue_cents
     from ${schema}.transactions x
     where ${revenueFilter(sql`x`)} and x.created_at >= ${from}::timestamptz and x.created_at < ${to}::timestamptz) r,
    (select count(*) as sessions, coalesce(sum(input_octets), 0) as bytes_in, coalesce(sum(output_octets), 0) as bytes_out
     from ${schema}.radacct
     where start_time >= ${from}::timestamptz and start_time < ${to}::timestamptz) a`;
}

/**
 * Billing and usage per tenant over a period: one registry query, one catalog query and one
 * UNION ALL over the tenant schemas (chunked), however many tenants there are.
 */
export async function usageReport(db: Db, period: ReportPeriod, tenantId?: string): Promise<UsageReport> {
  const filters = [ne(tenants.status, "deleted"), ...(tenantId ? [eq(tenants.id, tenantId)] : [])];
  const registry = await db
    .select({
      id: tenants.id,
      slug: tenants.slug,
      companyName: tenants.companyName,
      plan: tenants.plan,
      status: tenants.status,
      schemaName: tenants.schemaName,
    })
    .from(tenants)
    .where(and(...filters))
    .orderBy(asc(tenants.slug));
  if (tenantId && registry.length === 0) throw notFound("Tenant not found");

  const existing = registry.length
    ? new Set(
        (
          (await db.execute(
            sql`select nspname from pg_namespace where nspname in (${sql.join(
              registry.map((r) => sql`${r.schemaName}`),
              sql`, `,
            )})`,
          )) as unknown as { nspname: string }[]
        ).map((r) => r.nspname),
      )
    : new Set<string>();
  const [figures, backups] = await Promise.all([
    unionOverSchemas(
      db,
      registry.filter((r) => existing.has(r.schemaName)),
      (schema) => perSchema(schema, period),
    ),
    db
      .select({
        tenantId: cloudBackups.tenantId,
        n: sql<number>`count(*)::int`,
        bytes: sql<string>`coalesce(sum(${cloudBackups.sizeBytes}), 0)::text`,
      })
      .from(cloudBackups)
      // What was stored at the end of the period (and has not failed).
      .where(and(ne(cloudBackups.status, "failed"), lt(cloudBackups.createdAt, period.to)))
      .groupBy(cloudBackups.tenantId),
  ]);
  const figuresBy = new Map(figures.map((f) => [String(f.tenant_id), f]));
  const backupsBy = new Map(backups.map((b) => [b.tenantId, b]));

  const rows: TenantUsageRow[] = registry.map((t) => {
    const f = figuresBy.get(t.id) ?? {};
    const b = backupsBy.get(t.id);
    const paidCents = Number(f.invoices_paid_cents ?? 0);
    const renewalsCents = Number(f.renewals_cents ?? 0);
    return {
      tenantId: t.id,
      slug: t.slug,
      companyName: t.companyName,
      plan: t.plan,
      status: t.status,
      subscribers: Number(f.subscribers ?? 0),
      activeSubscribers: Number(f.active_subscribers ?? 0),
      newSubscribers: Number(f.new_subscribers ?? 0),
      invoicesIssued: Number(f.invoices_issued ?? 0),
      invoicesIssuedCents: Number(f.invoices_issued_cents ?? 0),
      invoicesPaid: Number(f.invoices_paid ?? 0),
      invoicesPaidCents: paidCents,
      renewalsCents,
      revenueCents: Number(f.revenue_cents ?? 0),
      sessions: Number(f.sessions ?? 0),
      bytesIn: Number(f.bytes_in ?? 0),
      bytesOut: Number(f.bytes_out ?? 0),
      backupsStored: b?.n ?? 0,
      backupBytes: Number(b?.bytes ?? 0),
    };
  });
  const totals = Object.fromEntries(NUMERIC_KEYS.map((k) => [k, rows.reduce((sum, r) => sum + r[k], 0)])) as Record<
    (typeof NUMERIC_KEYS)[number],
    number
  >;
  return {
    from: period.from.toISOString(),
    to: period.to.toISOString(),
    generatedAt: new Date().toISOString(),
    rows,
    totals: { ...totals, tenants: rows.length },
  };
}

export const REPORT_COLUMNS = ["slug", "companyName", "plan", "status", ...NUMERIC_KEYS] as const;
