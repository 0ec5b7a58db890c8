// Tenant binding overhead: `npm run bench:binding`. The same authenticated list (5,000 users,
// prefix search, limit 50) through the full middleware stack vs the identical query with no
// tenant binding, alternated in one session against one server process. Target ratio ≤ 1.05.
// BENCH_REDIS=1 runs the stack against Redis (rate limit and pub/sub over the network).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import { fmt, median } from "./lib.ts";

const DURATION = Number(process.env.BENCH_DURATION ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);

const child = spawn(process.execPath, ["--import", "tsx", "bench/binding-server.ts"], {
  stdio: ["ignore", "pipe", "inherit"],
  env: process.env,
});
const first = await new Promise<string>((resolve, reject) => {
  createInterface({ input: child.stdout }).once("line", resolve);
  child.once("exit", (code) => reject(new Error(`server exited ${code}`)));
});
const { port, token, host, state } = JSON.parse(first) as { port: number; token: string; host: string; state: string };

async function cpuMicros(): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/bench/cpu`);
  return ((await res.json()) as { micros: number }).micros;
}

const cpuPerRequest: Record<string, number[]> = {};

async function run(path: string, headers: Record<string, string>): Promise<number> {
  const before = await cpuMicros();
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    headers,
    connections: CONNECTIONS,
    duration: DURATION,
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  const used = (await cpuMicros()) - before;
  cpuPerRequest[path] = [...(cpuPerRequest[path] ?? []), used / result["2xx"]];
  return result.requests.average;
}

const bound: number[] = [];
const baseline: number[] = [];
const listPath = "/api/users?search=user1&limit=50&sort=email&order=asc";
// Warm-up for both paths.
await run("/baseline/users", {});
await run(listPath, { host, authorization: `Bearer ${token}` });
for (let i = 0; i < ROUNDS; i++) {
  baseline.push(await run("/baseline/users", {}));
  bound.push(await run(listPath, { host, authorization: `Bearer ${token}` }));
}
const b = median(baseline);
const s = median(bound);
console.log(`shared state: ${state}; ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION} s alternating`);
console.log(`no binding (query only):      ${fmt(b, 0)} req/s  (rounds: ${baseline.map((x) => fmt(x, 0)).join(", ")})`);
console.log(`full stack (host→tenant→auth): ${fmt(s, 0)} req/s  (rounds: ${bound.map((x) => fmt(x, 0)).join(", ")})`);
console.log(`overhead ratio (no binding / full stack): ${fmt(b / s, 3)}× (target ≤ 1.05×)`);
const cpuBase = median((cpuPerRequest["/baseline/users"] ?? []).slice(1));
const cpuFull = median((cpuPerRequest[listPath] ?? []).slice(1));
console.log(
  `API process CPU per request: no binding ${fmt(cpuBase, 0)} µs, full stack ${fmt(cpuFull, 0)} µs (+${fmt(cpuFull - cpuBase, 0)} µs, ${fmt(cpuFull / cpuBase, 3)}×)`,
);
child.kill("SIGTERM");
