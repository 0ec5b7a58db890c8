// Child process of bench/subscribers.ts: the real API on the bench database, with a tenant that
// holds 5,000 subscribers.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { tenants } from "@proxpanel/db";
import { onboardTenant, SYSTEM_ACTOR } from "@proxpanel/tenancy";
import { eq, sql } from "drizzle-orm";
import pino from "pino";
import { createApp } from "../apps/api/src/app.ts";
import { bootstrap } from "../apps/api/src/bootstrap.ts";
import { httpRequest } from "../tests/harness.ts";
import { benchConfig, benchDatabase } from "./lib.ts";

const bench = await benchDatabase("proxpanel_bench");
const config = benchConfig(bench.url, {
  TENANT_RATE_LIMIT_PER_MIN: "1000000000",
  ...(process.env.BENCH_REDIS === "1" && process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
});
const runtime = await bootstrap(config, { logger: pino({ level: "silent" }) });
const { db } = runtime.deps;

const SLUG = "list-bench";
let row = (await db.select().from(tenants).where(eq(tenants.slug, SLUG)).limit(1))[0];
if (!row) {
  await onboardTenant(
    { db },
    { slug: SLUG, companyName: "List", plan: "pro", adminEmail: "owner@list.test", adminPassword: "list-pass-1" },
    SYSTEM_ACTOR,
  );
  row = (await db.select().from(tenants).where(eq(tenants.slug, SLUG)).limit(1))[0];
  if (!row) throw new Error("fixture tenant missing");
  const s = sql.identifier(row.schemaName);
  await db.execute(sql`insert into ${s}.service_plans (name, download_kbps, upload_kbps) values ('Home', 20000, 5000)`);
  // 5,000 subscribers; the sealed password is irrelevant to listing, so one placeholder serves.
  await db.execute(sql`insert into ${s}.subscribers (username, password_enc, plan_id, full_name, expires_at)
    select 'sub' || g, 'v1.x.x.x', (select id from ${s}.service_plans limit 1), 'Subscriber ' || g, now() + (g % 60) * interval '1 day'
    from generate_series(1, 5000) g`);
  await db.execute(sql`analyze ${s}.subscribers`);
}

const app = createApp(runtime.deps);
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, async () => {
  const port = (server.address() as AddressInfo).port;
  const host = `${SLUG}.bench.test`;
  const login = await httpRequest(port, "POST", "/api/auth/login", {
    host,
    body: { email: "owner@list.test", password: "list-pass-1" },
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  process.stdout.write(`${JSON.stringify({ port, token: login.body.token, host, state: runtime.deps.state.kind })}\n`);
});
process.on("SIGTERM", async () => {
  server.close();
  await runtime.close();
  await bench.stop();
  process.exit(0);
});
