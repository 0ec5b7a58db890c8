// Recurring invoice run for one tenant of 5,000 subscribers, every one of them due:
// `npx tsx bench/invoice-run.ts` (DATABASE_URL, or an embedded server in .data/bench-pg).
// 4,500 prepaid expiring within the next 3 days (1,000 with enough credit: settled and renewed
// at once) and 500 postpaid whose period ended today; a 16 % exclusive default tax. Then the same
// run again, which must issue nothing.
import { runInvoiceCycle } from "@proxpanel/billing";
import { migrateTenantSchema, TenantClientCache } from "@proxpanel/db";
import * as publicSchema from "@proxpanel/db/public/index";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { benchDatabase, fmt } from "./lib.ts";

const SUBSCRIBERS = 5_000;
const HOUR = 3_600_000;
const { url, stop } = await benchDatabase("proxpanel_bench");
const sql = postgres(url, { max: 4, onnotice: () => {} });
const schema = `tenant_invbench_${Date.now().toString(36)}`;
try {
  await drizzle(sql, { schema: publicSchema }).transaction((tx) => migrateTenantSchema(tx, schema, { create: true }));
  const c = new TenantClientCache(sql).get(schema);
  await c.db.insert(c.t.taxRates).values({ name: "VAT", basisPoints: 1600, isDefault: true });
  const [plan] = await c.db
    .insert(c.t.servicePlans)
    .values({ name: "Home", downloadKbps: 10_000, uploadKbps: 5_000, priceCents: 2_500, validityDays: 30 })
    .returning();
  if (!plan) throw new Error("no plan");
  const now = Date.now();
  const rows = Array.from({ length: SUBSCRIBERS }, (_, i) => {
    const postpaid = i >= 4_500;
    return {
      username: `inv${i}`,
      passwordEnc: "x",
      planId: plan.id,
      billingMode: postpaid ? ("postpaid" as const) : ("prepaid" as const),
      // Prepaid: spread over the next 48 h; postpaid: ended within the last hour.
      expiresAt: new Date(postpaid ? now - HOUR : now + ((i * 48) / 4_500) * HOUR),
      balanceCents: !postpaid && i % 9 === 0 ? 5_000 : 0,
    };
  });
  for (let i = 0; i < rows.length; i += 1_000) await c.db.insert(c.t.subscribers).values(rows.slice(i, i + 1_000));

  const t0 = performance.now();
  const first = await runInvoiceCycle(c);
  const firstMs = performance.now() - t0;
  const t1 = performance.now();
  const second = await runInvoiceCycle(c);
  const secondMs = performance.now() - t1;
  const [count] = await sql.unsafe<{ n: number; max: number }[]>(
    `select count(*)::int as n, max(number)::int as max from "${schema}".invoices`,
  );
  const issued = first.prepaidIssued + first.postpaidIssued;
  console.log(
    `invoice run, ${SUBSCRIBERS.toLocaleString("en")} subscribers all due: ${fmt(firstMs / 1000, 2)} s, ${issued} issued ` +
      `(${first.prepaidIssued} prepaid, ${first.postpaidIssued} postpaid, ${first.settledFromBalance} settled from credit), ` +
      `${fmt(firstMs / issued, 2)} ms per invoice (anchor: well inside the hourly schedule)`,
  );
  console.log(
    `second run: ${second.prepaidIssued + second.postpaidIssued} issued in ${fmt(secondMs, 0)} ms (anchor: 0); ` +
      `numbers 1..${count?.max} for ${count?.n} invoices (anchor: equal, no gap)`,
  );
} finally {
  await sql.unsafe(`drop schema if exists "${schema}" cascade`);
  await sql.end({ timeout: 5 });
  await stop();
}
