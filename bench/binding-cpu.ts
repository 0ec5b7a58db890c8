// Tenant binding overhead without HTTP or load-generator noise: `npm run bench:binding:cpu`.
// The same authenticated list request (5,000 users, prefix search, limit 50) is dispatched
// in-process through the whole app (host → tenant → rate limit → auth → validation → service) and,
// alternately, the identical service call on a fixed schema with nothing in front; reports the
// API process's CPU per request for each (medians of alternating rounds). Needs the fixture that
// `npm run bench:binding` creates.
import { tenants } from "@proxpanel/db";
import { tenantTables } from "@proxpanel/db/tenant/factory";
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { Hono } from "hono";
import pino from "pino";
import { createApp } from "../apps/api/src/app.ts";
import { bootstrap } from "../apps/api/src/bootstrap.ts";
import type { AppEnv } from "../apps/api/src/env.ts";
import { listUsers } from "../apps/api/src/routes/users/users.ts";
import { benchConfig, benchDatabase, fmt, median } from "./lib.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const N = Number(process.env.BENCH_REQUESTS ?? 1500);

const bench = await benchDatabase("proxpanel_bench");
const config = benchConfig(bench.url, {
  TENANT_RATE_LIMIT_PER_MIN: "1000000000",
});
const runtime = await bootstrap(config, { logger: pino({ level: "silent" }), migrate: false });
const row = (await runtime.deps.db.select().from(tenants).where(eq(tenants.slug, "binding-bench")))[0];
if (!row) throw new Error("run `npm run bench:binding` once first: it creates the binding-bench tenant");
const app = createApp(runtime.deps);
// What @hono/node-server passes as c.env: the peer address drives the trusted-proxy check.
const env = () =>
  ({
    incoming: { socket: { remoteAddress: "127.0.0.1" }, connection: { remoteAddress: "127.0.0.1" }, headers: {} },
  }) as unknown as AppEnv["Bindings"];
const host = "binding-bench.bench.test";
const login = await app.fetch(
  new Request("http://x/api/auth/login", {
    method: "POST",
    headers: { host, "content-type": "application/json" },
    body: JSON.stringify({ email: "owner@binding.test", password: "binding-pass-1" }),
  }),
  env(),
);
const { token } = (await login.json()) as { token: string };

const t = tenantTables(row.schemaName);
const fixed = {
  id: row.id,
  slug: row.slug,
  schemaName: row.schemaName,
  t,
  db: drizzle(runtime.deps.sql, { schema: t }),
};
const actor = { userId: null, resellerId: null, permissions: [], label: "bench", ip: null, requestId: null };
const input = { page: 1, limit: 50, search: "user1", sort: "email", order: "asc" } as const;
const bare = new Hono().get("/baseline", async (c) =>
  c.json(await listUsers({ ctx: { tenant: fixed, db: fixed.db, actor }, input })),
);

const full = () =>
  app.fetch(
    new Request("http://x/api/users?search=user1&limit=50&sort=email&order=asc", {
      headers: { host, authorization: `Bearer ${token}` },
    }),
    env(),
  );
const base = () => bare.fetch(new Request("http://x/baseline"));

async function cpuPerRequest(make: () => Response | Promise<Response>): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const res = await make();
    if (res.status !== 200) throw new Error(`status ${res.status}`);
    await res.text();
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / N;
}

await cpuPerRequest(base);
await cpuPerRequest(full);
const b: number[] = [];
const f: number[] = [];
for (let i = 0; i < ROUNDS; i++) {
  b.push(await cpuPerRequest(base));
  f.push(await cpuPerRequest(full));
}
console.log(`${ROUNDS} alternating rounds of ${N} sequential requests, in process`);
console.log(
  `no binding (service call only): ${fmt(median(b), 0)} µs CPU/request (${b.map((x) => fmt(x, 0)).join(", ")})`,
);
console.log(
  `full stack:                     ${fmt(median(f), 0)} µs CPU/request (${f.map((x) => fmt(x, 0)).join(", ")})`,
);
console.log(`ratio full / none: ${fmt(median(f) / median(b), 3)}× (target ≤ 1.05×)`);
await runtime.close();
await bench.stop();
