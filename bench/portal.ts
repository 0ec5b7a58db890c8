// Subscriber side figures (issue 16): `npm run bench:portal`. One API in this process on the bench
// database, a fresh tenant with 50 subscribers, local fakes of Stripe and Daraja.
// - portal sign-in p50/p95 (unseal + constant-time compare), beside the staff sign-in (argon2id)
// - payment callback → renewal committed: a signed Stripe webhook and an M-Pesa callback (which
//   asks the fake Daraja to confirm), beside an operator's renewal from the balance
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { type StripeWebhook, startFakeMpesa, startFakeStripe } from "@proxpanel/payments/testing";
import pino from "pino";
import { createApp } from "../apps/api/src/app.ts";
import { bootstrap } from "../apps/api/src/bootstrap.ts";
import { httpRequest, type RequestOptions } from "../tests/harness.ts";
import { benchConfig, benchDatabase, fmt, percentile } from "./lib.ts";

const N = Number(process.env.BENCH_N ?? 200);
const SUBSCRIBERS = 50;

const bench = await benchDatabase("proxpanel_bench_portal");
const runtime = await bootstrap(
  benchConfig(bench.url, {
    TENANT_RATE_LIMIT_PER_MIN: "1000000000",
    ANON_RATE_LIMIT_PER_MIN: "1000000000",
    ANON_RATE_LIMIT_PER_MIN_PER_IP: "1000000000",
    PAYMENTS_ALLOW_LOOPBACK: "true",
  }),
  { logger: pino({ level: "silent" }) },
);
const server = serve({ fetch: createApp(runtime.deps).fetch, port: 0, hostname: "127.0.0.1" });
await new Promise((r) => server.once("listening", r));
const port = (server.address() as AddressInfo).port;
const call = async (method: string, path: string, opts: RequestOptions = {}) => {
  const res = await httpRequest(port, method, path, opts);
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res;
};

const slug = `portal${Date.now().toString(36)}`;
const host = `${slug}.bench.test`;
const owner = { email: `owner@${slug}.test`, password: "portal-bench-1" };
await call("POST", "/api/signup", {
  host: "bench.test",
  body: { slug, companyName: "Portal bench", plan: "trial", adminEmail: owner.email, adminPassword: owner.password },
});
const token = (await call("POST", "/api/auth/login", { host, body: owner })).body.token as string;
const op = (method: string, path: string, body?: unknown) =>
  call(method, path, { host, token, ...(body === undefined ? {} : { body }) });
const plan = (await op("POST", "/api/plans", { name: "Home", downloadKbps: 20000, uploadKbps: 5000, priceCents: 1500 }))
  .body.plan.id as string;
const subs: { id: string; username: string; password: string }[] = [];
for (let i = 0; i < SUBSCRIBERS; i++) {
  const username = `bench${i}`;
  const password = `pw-${i}-bench`;
  const res = await op("POST", "/api/subscribers", { username, password, planId: plan, email: `${username}@x.test` });
  subs.push({ id: res.body.subscriber.id, username, password });
}

async function timed(fn: (i: number) => Promise<unknown>, n: number): Promise<number[]> {
  for (let i = 0; i < 10; i++) await fn(i); // warm-up
  const ms: number[] = [];
  for (let i = 10; i < n + 10; i++) {
    const t0 = performance.now();
    await fn(i);
    ms.push(performance.now() - t0);
  }
  return ms.sort((a, b) => a - b);
}
const line = (label: string, ms: number[]) =>
  `${label.padEnd(58)} p50 ${fmt(percentile(ms, 50), 1).padStart(6)} ms   p95 ${fmt(percentile(ms, 95), 1).padStart(6)} ms   (n=${ms.length})`;

const portalLogin = await timed((i) => {
  const s = subs[i % SUBSCRIBERS];
  return call("POST", "/api/portal/auth/login", { host, body: { username: s?.username, password: s?.password } });
}, N);
const staffLogin = await timed(() => call("POST", "/api/auth/login", { host, body: owner }), N);

// Payments: every subscriber signs in once; each payment is a renewal paid online.
const stripe = await startFakeStripe();
const mpesa = await startFakeMpesa();
await op("PUT", "/api/settings/payment-providers/stripe", { config: stripe.config() });
const portalTokens = await Promise.all(
  subs.map(
    async (s) =>
      (await call("POST", "/api/portal/auth/login", { host, body: { username: s.username, password: s.password } }))
        .body.token as string,
  ),
);
const startPay = async (i: number, provider: "stripe" | "mpesa") =>
  (
    await call("POST", "/api/portal/payments", {
      host,
      token: portalTokens[i % SUBSCRIBERS],
      body: { provider, purpose: "renewal", phone: "0712345678", returnUrl: `http://${host}/portal` },
    })
  ).body.payment as { id: string; providerRef: string };

const PAY_N = Math.min(N, 100);
const stripeHooks: StripeWebhook[] = [];
for (let i = 0; i < PAY_N + 10; i++)
  stripeHooks.push(await stripe.completeSession((await startPay(i, "stripe")).providerRef));
const stripeSettle = await timed(async (i) => {
  const hook = stripeHooks[i % stripeHooks.length];
  const res = await call("POST", "/api/payments/stripe/webhook", {
    host,
    body: hook?.rawBody,
    headers: { ...hook?.headers, "content-type": "application/json" },
  });
  if (res.body.result !== "settled") throw new Error(`webhook ${i}: ${res.body.result}`);
}, PAY_N);

await op("PUT", "/api/settings/currency", { currency: "KES" });
await op("PUT", "/api/settings/payment-providers/mpesa", { config: mpesa.config() });
const callbacks: { path: string; rawBody: string }[] = [];
for (let i = 0; i < PAY_N + 10; i++) {
  const p = await startPay(i, "mpesa");
  const url = mpesa.stkRequests.get(p.providerRef)?.callbackUrl ?? "";
  const cb = await mpesa.completeStk(p.providerRef, { resultCode: 0, deliver: false });
  callbacks.push({ path: new URL(url).pathname, rawBody: cb.rawBody });
}
const mpesaSettle = await timed(async (i) => {
  const cb = callbacks[i % callbacks.length];
  await call("POST", cb?.path ?? "", { host, body: cb?.rawBody });
}, PAY_N);

for (const s of subs)
  await op("POST", "/api/transactions/payments", { subscriberId: s.id, amountCents: 1_000_000, description: "float" });
const operatorRenew = await timed((i) => op("POST", `/api/subscribers/${subs[i % SUBSCRIBERS]?.id}/renew`), PAY_N);

console.log(`shared state: ${runtime.deps.state.kind}; sequential requests over loopback, after 10 warm-up calls each`);
console.log(line("portal sign-in (RADIUS username + password)", portalLogin));
console.log(line("  anchor: staff sign-in (argon2id), same run", staffLogin));
console.log(line("Stripe webhook → renewal committed (signature check)", stripeSettle));
console.log(line("M-Pesa callback → renewal committed (incl. Daraja query)", mpesaSettle));
console.log(line("  anchor: operator renewal from balance, same run", operatorRenew));

await stripe.close();
await mpesa.close();
server.close();
await runtime.close();
await bench.stop();
process.exit(0);
