// Child process of bench/binding.ts: the real API plus one extra route that runs the identical
// query with no tenant binding (fixed schema, no host resolution, no auth, no rate limit).
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { tenants } from "@proxpanel/db";
import { tenantTables } from "@proxpanel/db/tenant/factory";
import { onboardTenant, SYSTEM_ACTOR } from "@proxpanel/tenancy";
import { eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import { Hono } from "hono";
import pino from "pino";
import { createApp } from "../apps/api/src/app.ts";
import { bootstrap } from "../apps/api/src/bootstrap.ts";
import type { TenantContext } from "../apps/api/src/env.ts";
import { listUsers } from "../apps/api/src/routes/users/users.ts";
import { httpRequest } from "../tests/harness.ts";
import { benchConfig, benchDatabase } from "./lib.ts";

const bench = await benchDatabase("proxpanel_bench");
const config = benchConfig(bench.url, {
  DB_POOL_MAX: "10",
  TENANT_RATE_LIMIT_PER_MIN: "1000000000",
  ...(process.env.BENCH_REDIS === "1" && process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
});
const runtime = await bootstrap(config, { logger: pino({ level: "silent" }) });
const { db } = runtime.deps;

const SLUG = "binding-bench";
let row = (await db.select().from(tenants).where(eq(tenants.slug, SLUG)).limit(1))[0];
if (!row) {
  await onboardTenant(
    { db },
    {
      slug: SLUG,
      companyName: "Binding",
      plan: "pro",
      adminEmail: "owner@binding.test",
      adminPassword: "binding-pass-1",
    },
    SYSTEM_ACTOR,
  );
  row = (await db.select().from(tenants).where(eq(tenants.slug, SLUG)).limit(1))[0];
  if (!row) throw new Error("fixture tenant missing");
  const s = sql.identifier(row.schemaName);
  // 5,000 users in the tenant's table.
  await db.execute(
    sql`insert into ${s}.users (email, name, password_hash) select 'user' || g || '@binding.test', 'User ' || g, 'x' from generate_series(1, 5000) g`,
  );
  await db.execute(sql`analyze ${s}.users`);
}

const app = createApp(runtime.deps);

const t = tenantTables(row.schemaName);
const fixed: TenantContext = {
  id: row.id,
  slug: SLUG,
  schemaName: row.schemaName,
  t,
  db: drizzle(runtime.deps.sql, { schema: t }),
};
const input = { page: 1, limit: 50, search: "user1", sort: "email", order: "asc" } as const;
const outer = new Hono()
  // Server CPU (user + system, µs) so the parent can report CPU per request for each path.
  .get("/bench/cpu", (c) => {
    const u = process.cpuUsage();
    return c.json({ micros: u.user + u.system });
  })
  .get("/baseline/users", async (c) =>
    c.json(
      await listUsers({
        ctx: {
          tenant: fixed,
          db: fixed.db,
          actor: { userId: null, resellerId: null, permissions: [], label: "bench", ip: null, requestId: null },
        },
        input,
      }),
    ),
  )
  .route("/", app);

// The same app with the tenant binding taken out: the host is not resolved and the bound client
// is not looked up; the tenant is a constant. Everything else (auth, limits, validation) stays.
const resolved = (await runtime.deps.resolver.resolve(`${SLUG}.bench.test`)) as Extract<
  Awaited<ReturnType<typeof runtime.deps.resolver.resolve>>,
  { kind: "tenant" }
>;
const bound = runtime.deps.tenantClients.get(row.schemaName);
const fixedResolver = Object.create(runtime.deps.resolver) as typeof runtime.deps.resolver;
fixedResolver.resolve = async () => resolved;
const fixedClients = Object.create(runtime.deps.tenantClients) as typeof runtime.deps.tenantClients;
fixedClients.get = () => bound;
const unbound = createApp({ ...runtime.deps, resolver: fixedResolver, tenantClients: fixedClients });
const unboundServer = serve({ fetch: unbound.fetch, port: 0, hostname: "127.0.0.1" });

const server = serve({ fetch: outer.fetch, port: 0, hostname: "127.0.0.1" }, async () => {
  const port = (server.address() as AddressInfo).port;
  const unboundPort = (unboundServer.address() as AddressInfo).port;
  const host = `${SLUG}.bench.test`;
  const login = await httpRequest(port, "POST", "/api/auth/login", {
    host,
    body: { email: "owner@binding.test", password: "binding-pass-1" },
  });
  if (login.status !== 200) throw new Error(`login failed: ${login.status} ${JSON.stringify(login.body)}`);
  const token = login.body.token as string;
  process.stdout.write(`${JSON.stringify({ port, unboundPort, token, host, state: runtime.deps.state.kind })}\n`);
});
process.on("SIGTERM", async () => {
  server.close();
  await runtime.close();
  await bench.stop();
  process.exit(0);
});
