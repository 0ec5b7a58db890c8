// Edge overhead: `npx tsx bench/edge.ts`. A cached public tenant GET (/api/branding) straight to
// the API vs through Caddy (infra/Caddyfile.test: TLS with keep-alive, reverse proxy), alternated
// in one session against one API process; then the TLS ask endpoint's latency for a known name
// (what Caddy waits for before issuing a certificate). Needs `caddy` on PATH.
// The API runs in a child process (`--server`) so autocannon does not share its event loop.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { serve } from "@hono/node-server";
import autocannon from "autocannon";
import { createApp } from "../apps/api/src/app.ts";
import { bootstrap } from "../apps/api/src/bootstrap.ts";
import { startCaddy } from "../tests/caddy-harness.ts";
import { httpRequest } from "../tests/harness.ts";
import { benchConfig, benchDatabase, fmt, median } from "./lib.ts";

const BASE = "bench.test";
const SLUG = "edge-bench";
const DURATION = Number(process.env.BENCH_DURATION ?? 5);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

async function server(): Promise<void> {
  const db = await benchDatabase("proxpanel_bench");
  const config = benchConfig(db.url, {
    TRUSTED_PROXIES: "127.0.0.1",
    // The benchmark measures the edge, not the per-tenant budget.
    TENANT_RATE_LIMIT_PER_MIN: "100000000",
    REDIS_URL: process.env.REDIS_URL,
  });
  const runtime = await bootstrap(config, { migrate: true });
  const app = createApp(runtime.deps);
  const srv = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, async (info: AddressInfo) => {
    // Over the socket, as a client would (request code reads the peer address from it).
    const signup = await httpRequest(info.port, "POST", "/api/signup", {
      host: BASE,
      body: {
        slug: SLUG,
        companyName: "Edge Bench ISP",
        plan: "trial",
        adminEmail: "owner@edge-bench.example",
        adminPassword: "edge-bench-password",
      },
    });
    if (signup.status !== 201 && signup.status !== 409) {
      throw new Error(`signup: ${signup.status} ${JSON.stringify(signup.body)}`);
    }
    console.log(JSON.stringify({ port: info.port, state: runtime.deps.state.kind }));
  });
  process.once("SIGTERM", () => srv.close(() => void runtime.close().then(() => db.stop())));
}

async function run(opts: autocannon.Options): Promise<autocannon.Result> {
  const result = await autocannon({ connections: CONNECTIONS, duration: DURATION, ...opts });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`${opts.url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  }
  return result;
}

async function main(): Promise<void> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/edge.ts", "--server"], {
    stdio: ["ignore", "pipe", "inherit"],
    env: process.env,
  });
  const first = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", resolve);
    child.once("exit", (code) => reject(new Error(`server exited ${code}`)));
  });
  const { port, state } = JSON.parse(first) as { port: number; state: string };
  const panel = await mkdtemp(path.join(tmpdir(), "proxpanel-bench-panel-"));
  const caddy = await startCaddy({ baseDomain: BASE, apiPort: port, panelDist: panel });
  const host = `${SLUG}.${BASE}`;
  try {
    const direct = { url: `http://127.0.0.1:${port}/api/branding`, headers: { host } };
    const viaCaddy = { url: `https://127.0.0.1:${caddy.httpsPort}/api/branding`, servername: host, headers: { host } };
    await run({ ...direct, duration: 2 });
    await run({ ...viaCaddy, duration: 2 });
    const d: number[] = [];
    const c: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      d.push((await run(direct)).requests.average);
      c.push((await run(viaCaddy)).requests.average);
    }
    const ask = await run({ url: `http://127.0.0.1:${port}/internal/tls/ask?domain=${host}`, connections: 4 });

    const [md, mc] = [median(d), median(c)];
    console.log(`shared state: ${state}; ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION} s alternating`);
    console.log(`API direct (HTTP):           ${fmt(md, 0)} req/s  (rounds: ${d.map((x) => fmt(x, 0)).join(", ")})`);
    console.log(`through Caddy (HTTPS → API): ${fmt(mc, 0)} req/s  (rounds: ${c.map((x) => fmt(x, 0)).join(", ")})`);
    console.log(`ratio direct / Caddy: ${fmt(md / mc, 2)}×`);
    console.log(
      `ask endpoint (known name, cached, 4 connections): p50 ${ask.latency.p50} ms, p99 ${ask.latency.p99} ms, ` +
        `max ${ask.latency.max} ms, ${fmt(ask.requests.average, 0)} req/s`,
    );
  } finally {
    await caddy.close();
    child.kill("SIGTERM");
    await rm(panel, { recursive: true, force: true });
  }
}

await (process.argv[2] === "--server" ? server() : main());
