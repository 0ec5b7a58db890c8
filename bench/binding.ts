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
const { port, unboundPort, token, host, state } = JSON.parse(first) as {
  port: number;
  unboundPort: number;
  token: string;
  host: string;
  state: string;
};

async function cpuMicros(): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/bench/cpu`);
  return ((await res.json()) as { micros: number }).micros;
}

const cpuPerRequest: Record<string, number[]> = {};

async function run(path: string, headers: Record<string, string>, on = port): Promise<number> {
  const before = await cpuMicros();
  const result = await autocannon({
    url: `http://127.0.0.1:${on}${path}`,
    headers,
    connections: CONNECTIONS,
    duration: DURATION,
  });
  if (result.non2xx > 0 || result.errors > 0)
    throw new Error(`${path}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  const used = (await cpuMicros()) - before;
  const key = `${on}${path}`;
  cpuPerRequest[key] = [...(cpuPerRequest[key] ?? []), used / result["2xx"]];
  return result.requests.average;
}

const bound: number[] = [];
const unbound: number[] = [];
const baseline: number[] = [];
const listPath = "/api/users?search=user1&limit=50&sort=email&order=asc";
const auth = { host, authorization: `Bearer ${token}` };
// Warm-up for every path.
await run("/baseline/users", {});
await run(listPath, auth);
await run(listPath, auth, unboundPort);
for (let i = 0; i < ROUNDS; i++) {
  baseline.push(await run("/baseline/users", {}));
  unbound.push(await run(listPath, auth, unboundPort));
  bound.push(await run(listPath, auth));
}
const b = median(baseline);
const u = median(unbound);
const s = median(bound);
const rounds = (xs: number[]) => xs.map((x) => fmt(x, 0)).join(", ");
console.log(`shared state: ${state}; ${CONNECTIONS} connections, ${ROUNDS} × ${DURATION} s alternating`);
console.log(`bare service call (no middleware at all):       ${fmt(b, 0)} req/s  (rounds: ${rounds(baseline)})`);
console.log(`full stack, tenant binding taken out:           ${fmt(u, 0)} req/s  (rounds: ${rounds(unbound)})`);
console.log(`full stack with tenant binding (host → tenant): ${fmt(s, 0)} req/s  (rounds: ${rounds(bound)})`);
console.log(`tenant binding overhead (same stack without / with binding): ${fmt(u / s, 3)}× (target ≤ 1.05×)`);
console.log(`whole middleware stack vs bare call: ${fmt(b / s, 3)}×`);
const cpu = (key: string) => median((cpuPerRequest[key] ?? []).slice(1));
const [cb, cu, cs] = [cpu(`${port}/baseline/users`), cpu(`${unboundPort}${listPath}`), cpu(`${port}${listPath}`)];
console.log(
  `API process CPU per request: bare ${fmt(cb, 0)} µs, stack without binding ${fmt(cu, 0)} µs, with binding ${fmt(cs, 0)} µs`,
);
child.kill("SIGTERM");
