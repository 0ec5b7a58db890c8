// Console tenant list: cost of the per-row figures (subscribers, storage, last backup) for a page
// of 100 tenants, our batched queries against the N+1 alternative, side by side in one run.
import { tenants } from "@proxpanel/db";
import { listTenants, onboardTenant, SYSTEM_ACTOR } from "@proxpanel/tenancy";
import { count, like, sql } from "drizzle-orm";
import pino from "pino";
import { bootstrap } from "../apps/api/src/bootstrap.ts";
import { tenantStats } from "../apps/api/src/routes/saas/saas-tenants.ts";
import { benchConfig, benchDatabase, fmt, median } from "./lib.ts";

const PRESENT = Number(process.env.BENCH_TENANTS ?? 100);
const ITER = 10;
const bench = await benchDatabase("proxpanel_bench_console");
const runtime = await bootstrap(benchConfig(bench.url), { logger: pino({ level: "silent" }) });
const { db } = runtime.deps;
const [{ n: have } = { n: 0 }] = await db.select({ n: count() }).from(tenants).where(like(tenants.slug, "cfill-%"));
for (let i = have; i < PRESENT; i++) {
  await onboardTenant(
    { db },
    {
      slug: `cfill-${i}`,
      companyName: `Fill ${i}`,
      plan: "trial",
      adminEmail: "o@f.test",
      adminPassword: "fill-password-1",
    },
    SYSTEM_ACTOR,
  );
}
const page = await listTenants(db, { page: 1, limit: 100, sort: "slug", order: "asc" });
console.log(`tenants on the page: ${page.items.length}`);

async function nPlusOne() {
  // What a per-row implementation does: one count and one size query per tenant schema.
  const out = [];
  for (const t of page.items) {
    const id = sql.identifier(t.schemaName);
    const [c] = (await db.execute(
      sql`select count(*)::int n, (count(*) filter (where status = 'active'))::int a from ${id}.subscribers`,
    )) as unknown as { n: number }[];
    const [s] = (await db.execute(
      sql`select coalesce(sum(pg_total_relation_size(c.oid)),0)::text b from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = ${t.schemaName} and c.relkind = 'r'`,
    )) as unknown as { b: string }[];
    const [b] = (await db.execute(
      sql`select coalesce(sum(size_bytes),0)::text b, max(created_at) l from cloud_backups where tenant_id = ${t.id} and status <> 'failed'`,
    )) as unknown as { b: string }[];
    out.push([c?.n, s?.b, b?.b]);
  }
  return out;
}
const batched = () => tenantStats(db, page.items);
const registryOnly = () => listTenants(db, { page: 1, limit: 100, sort: "slug", order: "asc" });

async function time(fn: () => Promise<unknown>) {
  const t0 = performance.now();
  for (let i = 0; i < ITER; i++) await fn();
  return (performance.now() - t0) / ITER;
}
await batched();
await nPlusOne();
const rounds: Record<string, number[]> = { registry: [], batched: [], nplus1: [] };
for (let r = 0; r < 3; r++) {
  rounds.registry?.push(await time(registryOnly));
  rounds.batched?.push(await time(batched));
  rounds.nplus1?.push(await time(nPlusOne));
}
const m = Object.fromEntries(Object.entries(rounds).map(([k, v]) => [k, median(v)]));
console.log(
  `median ms per page of 100 (3 rounds × ${ITER}):`,
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, fmt(v)])),
);
console.log(
  `N+1 / batched = ${fmt((m.nplus1 ?? 0) / (m.batched ?? 1), 2)}×; batched stats add ${fmt(m.batched ?? 0)} ms to a registry page of ${fmt(m.registry ?? 0)} ms`,
);
await runtime.close();
await bench.stop();
