// Child process of bench/noisy-neighbour.ts: the real API on the bench database with two tenants
// (A floods, B is measured) at the default per-tenant rate limit, served as `npm start` serves it
// (serveApp with the early refusal of over-limit tenants; NOISY_EARLY=0 leaves that out, to compare).
// NOISY_BURST sets TENANT_RATE_LIMIT_BURST; NOISY_COMPARE=1 also serves the same app on a second
// port with the budget as one fixed minute (burst = the minute's budget, as before the short
// windows), counters of its own, so one run can alternate the two. Prints one JSON line.
import type { AddressInfo } from "node:net";
import { tenants } from "@proxpanel/db";
import { onboardTenant, SYSTEM_ACTOR } from "@proxpanel/tenancy";
import { eq } from "drizzle-orm";
import pino from "pino";
import { createApp } from "../apps/api/src/app.ts";
import { bootstrap } from "../apps/api/src/bootstrap.ts";
import { earlyRefusal } from "../apps/api/src/early-refusal.ts";
import { serveApp } from "../apps/api/src/host-guard.ts";
import { createLimiters, tenantBurstWindow } from "../apps/api/src/limiters.ts";
import { httpRequest } from "../tests/harness.ts";
import { benchConfig, benchDatabase } from "./lib.ts";

const bench = await benchDatabase("proxpanel_bench");
// The default budget (TENANT_RATE_LIMIT_PER_MIN 300), so A's flood is mostly refused with 429.
const concurrency = process.env.NOISY_TENANT_CONCURRENCY;
const burst = process.env.NOISY_BURST;
const runtime = await bootstrap(
  benchConfig(bench.url, {
    ...(concurrency ? { TENANT_CONCURRENCY: concurrency } : {}),
    ...(burst ? { TENANT_RATE_LIMIT_BURST: burst } : {}),
  }),
  { logger: pino({ level: "silent" }) },
);
const { db } = runtime.deps;

async function tenant(slug: string) {
  const email = `owner@${slug}.test`;
  const exists = await db.select().from(tenants).where(eq(tenants.slug, slug)).limit(1);
  if (exists.length === 0) {
    await onboardTenant(
      { db },
      { slug, companyName: slug, plan: "pro", adminEmail: email, adminPassword: "noisy-pass-1" },
      SYSTEM_ACTOR,
    );
  }
  return { host: `${slug}.bench.test`, email };
}
const a = await tenant("noisy-a");
const b = await tenant("noisy-b");

function serve(deps: typeof runtime.deps, refusalDelayMs = 0): Promise<ReturnType<typeof serveApp>> {
  const app = createApp(deps);
  const gate =
    process.env.NOISY_EARLY === "0"
      ? undefined
      : earlyRefusal({ ...deps, blocks: deps.limiters.tenantBlocks, refusalDelayMs });
  return new Promise((resolve) => {
    const s = serveApp({ fetch: app.fetch, port: 0, hostname: "127.0.0.1", gate }, () => resolve(s));
  });
}
const server = await serve(runtime.deps);
const { config } = runtime.deps;
const minuteServer =
  process.env.NOISY_COMPARE === "1"
    ? await serve({
        ...runtime.deps,
        limiters: createLimiters(runtime.deps.state, {
          ...config,
          TENANT_RATE_LIMIT_BURST: config.TENANT_RATE_LIMIT_PER_MIN,
        }),
      })
    : undefined;
// NOISY_TARPIT_MS: a third port, short windows as the first, whose early 429s are held that long.
const tarpit = Number(process.env.NOISY_TARPIT_MS ?? 0);
const tarpitServer =
  tarpit > 0
    ? await serve({ ...runtime.deps, limiters: createLimiters(runtime.deps.state, config) }, tarpit)
    : undefined;
{
  const port = (server.address() as AddressInfo).port;
  const token = async (t: { host: string; email: string }) => {
    const res = await httpRequest(port, "POST", "/api/auth/login", {
      host: t.host,
      body: { email: t.email, password: "noisy-pass-1" },
    });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.token as string;
  };
  const out = {
    port,
    minutePort: minuteServer ? (minuteServer.address() as AddressInfo).port : undefined,
    tarpitPort: tarpitServer ? (tarpitServer.address() as AddressInfo).port : undefined,
    window: tenantBurstWindow(config) ?? { points: config.TENANT_RATE_LIMIT_PER_MIN, duration: 60 },
    a: { host: a.host, token: await token(a) },
    b: { host: b.host, token: await token(b) },
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}
process.on("SIGTERM", async () => {
  server.close();
  minuteServer?.close();
  tarpitServer?.close();
  await runtime.close();
  await bench.stop();
  process.exit(0);
});
