// Subscriber list through the full middleware stack: `npm run bench:subscribers`. A tenant with
// 5,000 subscribers; GET /api/subscribers?search=<prefix>&limit=50, prefixes rotated per request.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { fmt, median } from "./lib.ts";

const DURATION = Number(process.env.BENCH_DURATION ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

const child = spawn(process.execPath, ["--import", "tsx", "bench/subscribers-server.ts"], {
  stdio: ["ignore", "pipe", "inherit"],
  env: process.env,
});
const first = await new Promise<string>((resolve, reject) => {
  createInterface({ input: child.stdout }).once("line", resolve);
  child.once("exit", (code) => reject(new Error(`server exited ${code}`)));
});
const { port, token, host, state } = JSON.parse(first) as { port: number; token: string; host: string; state: string };

const prefixes = ["sub1", "sub2", "sub33", "sub4", "sub45", "sub5", "sub6", "sub7", "sub8", "sub9"];
const rps: number[] = [];
const p99: number[] = [];
for (let i = 0; i <= ROUNDS; i++) {
  let n = 0;
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [
      {
        method: "GET",
        setupRequest: (req) => ({
          ...req,
          path: `/api/subscribers?search=${prefixes[n++ % prefixes.length]}&limit=50`,
          headers: { host, authorization: `Bearer ${token}` },
        }),
      },
    ],
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${result.non2xx} non-2xx, ${result.errors} errors`);
  // Round 0 warms up the JIT, the pool and the plan cache.
  if (i > 0) {
    rps.push(result.requests.average);
    p99.push(result.latency.p99);
  }
}
console.log(`shared state: ${state}; ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION} s after a warm-up round`);
console.log(
  `GET /api/subscribers?search=<prefix>&limit=50 (5,000 subscribers): ${fmt(median(rps), 0)} req/s, p99 ${fmt(median(p99), 1)} ms (medians; rounds ${rps.map((x) => fmt(x, 0)).join(", ")})`,
);
child.kill("SIGTERM");
