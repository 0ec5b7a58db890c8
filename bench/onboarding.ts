// Onboarding latency while the cluster already holds 1,000 tenants: `npm run bench:onboarding`.
// Measures POST /api/signup end to end over HTTP (validation, argon2id, the whole transaction,
// cache invalidation). Target p95 < 300 ms.

import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { tenants } from "@proxpanel/db";
import { onboardTenant, SYSTEM_ACTOR } from "@proxpanel/tenancy";
import { count, like } from "drizzle-orm";
import pLimit from "p-limit";
import pino from "pino";
import { createApp } from "../apps/api/src/app.ts";
import { bootstrap } from "../apps/api/src/bootstrap.ts";
import { httpRequest } from "../tests/harness.ts";
import { benchConfig, benchDatabase, fmt, percentile } from "./lib.ts";

const PRESENT = Number(process.env.BENCH_TENANTS ?? 1000);
const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 60);

const bench = await benchDatabase("proxpanel_bench");
const config = benchConfig(bench.url, {
  ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
});
const runtime = await bootstrap(config, { logger: pino({ level: "silent" }) });
const { db } = runtime.deps;

const [{ n: have } = { n: 0 }] = await db.select({ n: count() }).from(tenants).where(like(tenants.slug, "fill-%"));
if (have < PRESENT) {
  console.log(`filling: ${PRESENT - have} tenants to create (kept for later runs)…`);
  const limit = pLimit(4);
  const started = performance.now();
  await Promise.all(
    Array.from({ length: PRESENT - have }, (_, i) =>
      limit(() =>
        onboardTenant(
          { db },
          {
            slug: `fill-${have + i}`,
            companyName: `Fill ${have + i}`,
            plan: "trial",
            adminEmail: "owner@fill.test",
            adminPassword: "fill-password-1",
          },
          SYSTEM_ACTOR,
        ),
      ),
    ),
  );
  console.log(`filled in ${fmt((performance.now() - started) / 1000)} s`);
}
const [{ n: total } = { n: 0 }] = await db.select({ n: count() }).from(tenants);

const app = createApp(runtime.deps);
const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
});
const port = (server.address() as AddressInfo).port;

const run = Date.now().toString(36);
const times: number[] = [];
for (let i = 0; i < SAMPLES; i++) {
  const started = performance.now();
  const res = await httpRequest(port, "POST", "/api/signup", {
    host: "bench.test",
    body: {
      slug: `b${run}-${i}`,
      companyName: "Bench ISP",
      plan: "trial",
      adminEmail: "owner@bench.test",
      adminPassword: "bench-password-1",
    },
  });
  const ms = performance.now() - started;
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${JSON.stringify(res.body)}`);
  // The first few warm up the JIT and the pool.
  if (i >= 5) times.push(ms);
}
times.sort((a, b) => a - b);
console.log(
  `onboarding over HTTP with ${total} tenants present: p50 ${fmt(percentile(times, 50))} ms, p95 ${fmt(percentile(times, 95))} ms, max ${fmt(times.at(-1) ?? 0)} ms (${times.length} samples; target p95 < 300 ms)`,
);

// Keep the fixture at its size: the measured tenants are removed again.
const { purgeTenant, setTenantStatus } = await import("@proxpanel/tenancy");
for (const row of await db
  .select()
  .from(tenants)
  .where(like(tenants.slug, `b${run}-%`))) {
  const deps = { db, resolver: runtime.deps.resolver };
  await setTenantStatus(deps, { id: row.id, status: "deleted" }, SYSTEM_ACTOR);
  await purgeTenant(deps, { id: row.id, confirmSlug: row.slug }, SYSTEM_ACTOR);
}
server.close();
await runtime.close();
await bench.stop();
