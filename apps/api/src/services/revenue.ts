import { type SQL, sql } from "drizzle-orm";
import { tenantTimezone } from "../routes/sessions/sessions.ts";
import type { ServiceCtx } from "./context.ts";

/**
 * Revenue is money received, counted once, when it arrives: payments from subscribers (cash,
 * transfer, online, top-ups, invoices paid with money) and reseller top-ups. What a balance later
 * pays for (renewals, invoices settled from the balance, reseller charges) moves money already
 * counted, so it is not revenue again. The tenant's dashboard and the console's report both read
 * this one definition.
 */
export const REVENUE_TYPES = ["payment", "reseller_topup"] as const;

const typeList = sql.raw(REVENUE_TYPES.map((t) => `'${t}'`).join(", "));

/** The revenue rows of a `transactions` table (any alias or schema-qualified name). */
export function revenueFilter(table: SQL): SQL {
  return sql`${table}.type in (${typeList}) and ${table}.amount_cents > 0`;
}

/**
 * Revenue of the caller's tenant over [from, to), in total and per day of the tenant's timezone;
 * without a period, the current calendar month in that timezone.
 */
export async function tenantRevenue({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { from?: Date | undefined; to?: Date | undefined };
}) {
  const x = ctx.tenant.t.transactions;
  const tz = await tenantTimezone(ctx);
  const [month] = await ctx.db.execute<{ from: string; to: string }>(sql`
    select (extract(epoch from date_trunc('month', now() at time zone ${tz}) at time zone ${tz}) * 1000)::bigint::text as "from",
           (extract(epoch from (date_trunc('month', now() at time zone ${tz}) + interval '1 month') at time zone ${tz}) * 1000)::bigint::text as "to"`);
  const from = input.from ?? new Date(Number(month?.from ?? 0));
  const to = input.to ?? new Date(Number(month?.to ?? Date.now()));
  const rows = await ctx.db
    .select({
      day: sql<string>`to_char(${x.createdAt} at time zone ${tz}, 'YYYY-MM-DD')`,
      cents: sql<string>`sum(${x.amountCents})::text`,
    })
    .from(x)
    .where(
      sql`${revenueFilter(sql`${x}`)} and ${x.createdAt} >= ${from.toISOString()}::timestamptz and ${x.createdAt} < ${to.toISOString()}::timestamptz`,
    )
    .groupBy(sql`1`)
    .orderBy(sql`1`);
  const byDay = rows.map((r) => ({ day: r.day, cents: Number(r.cents) }));
  return {
    from: from.toISOString(),
    to: to.toISOString(),
    timezone: tz,
    revenueCents: byDay.reduce((s, d) => s + d.cents, 0),
    byDay,
  };
}
