/**
 * Noisy neighbour at overflow (issue 17, item 6): tenant A's NAS floods the RADIUS server hard
 * enough to overfill A's fair-queue share (4 flooding processes, unpaced) while A also floods the
 * API past its per-tenant rate limit (autocannon, 16 connections); tenant B's RADIUS and HTTP p99
 * are measured in the same run, quiet and then under the flood, by one sequential probe each.
 * A's drops are counted by reason (the daemon's counters, the same ones the metrics mirror).
 *
 *   npx tsx bench/noisy-neighbour.ts [--rounds 3] [--probes 1500] [--http-probes 60] [--only http|radius]
 *     [--no-early] [--tenant-concurrency N] [--burst N] [--compare-burst]
 *
 * `--only` runs one half alone; `--no-early` serves the API without the node-level refusal of
 * over-limit tenants (apps/api/src/early-refusal.ts), to compare. `--burst N` sets
 * TENANT_RATE_LIMIT_BURST; `--compare-burst` measures, in every round, both the signed-in budget
 * in short windows (`spread`, the configured burst) and as one fixed minute (`minute`, as before
 * TENANT_RATE_LIMIT_BURST), on two ports of the same API process, alternating which goes first.
 * `--tarpit MS` adds a port like the first whose early 429s are held MS ms (refusalDelayMs of
 * early-refusal.ts, off in `npm start`): a flood that ignores Retry-After then sends one request
 * per connection per MS. Each round also prints the CPU
 * share (of one core, from /proc/PID/stat) of the API process and of A's HTTP flood client while A
 * floods, and A's refusals per API CPU-second.
 *
 * On 2 cores the flooders, the server and the probes compete for CPU (shared/notes/benchmarking.md):
 * the ratio is taken within each round, and the median of the rounds' ratios is reported.
 *
 * The flood generators stand for machines elsewhere (a NAS, an API client): they run niced
 * (`--nice`, default 10) so they mostly use CPU the server leaves rather than taking it from the
 * server, as a remote NAS would, and A's HTTP flood runs in its own process, never on the event
 * loop that times B's probes. `--same-priority` runs them at the server's priority instead (the
 * machine itself starved: reported separately, not as the target). Kernel receive-buffer drops of the
 * server's auth socket are read from /proc/net/udp before and after each flood.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Code, decodePacket, encodeRequest, encryptUserPassword } from "../packages/radius/src/codec.ts";
import { UdpPeer } from "../packages/radius/src/testing/udp-client.ts";
import { httpRequest } from "../tests/harness.ts";
import { median, percentile } from "./lib.ts";

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const ROUNDS = arg("rounds", 3);
const PROBES = arg("probes", 1500);
const FLOODERS = 4;
const SAME_PRIORITY = process.argv.includes("--same-priority");
const onlyAt = process.argv.indexOf("--only");
const ONLY = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
const RADIUS = ONLY !== "http";
const HTTP = ONLY !== "radius";
const EARLY = !process.argv.includes("--no-early");
const COMPARE = process.argv.includes("--compare-burst");
/** Flood generators model remote machines: niced, they run mostly on CPU the server leaves idle. */
const NICE = arg("nice", 10);
const flooderCommand = (argv: string[]) => (SAME_PRIORITY ? argv : ["nice", "-n", String(NICE), ...argv]);

/** The kernel's drop count for the UDP socket bound to `port` (last column of /proc/net/udp). */
function kernelDrops(port: number): number {
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  for (const line of readFileSync("/proc/net/udp", "utf8").split("\n").slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols[1]?.endsWith(`:${hexPort}`)) return Number(cols[cols.length - 1]);
  }
  return Number.NaN;
}

/** CPU seconds (user + system) a process has used so far, from /proc/PID/stat. */
function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 Hz)
  } catch {
    return Number.NaN;
  }
}

function child(script: string, env: NodeJS.ProcessEnv = {}): Promise<{ proc: ChildProcess; first: string }> {
  const proc = spawn(process.execPath, ["--import", "tsx", script], {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    if (!proc.stdout) return reject(new Error("no stdout"));
    createInterface({ input: proc.stdout }).once("line", (first) => resolve({ proc, first }));
    proc.once("exit", (code) => reject(new Error(`${script} exited ${code}`)));
  });
}

function pap(user: string, password: string, secret: string, id: number): Buffer {
  const authenticator = Buffer.alloc(16);
  authenticator.writeUInt32BE(Math.floor(Math.random() * 2 ** 32));
  authenticator.writeUInt32BE(id, 4);
  return encodeRequest({
    code: Code.AccessRequest,
    identifier: id & 0xff,
    secret,
    authenticator,
    attributes: [
      ["User-Name", user],
      ["User-Password", encryptUserPassword(Buffer.from(password), secret, authenticator)],
    ],
    messageAuthenticator: true,
  });
}

/** Unpaced flood of valid, distinct Access-Requests from A's NAS address, in its own process. */
function flooder(port: number): ChildProcess {
  const script = `
    const dgram = require("node:dgram"), crypto = require("node:crypto");
    const secret = "secret-a", packets = [];
    for (let i = 0; i < 4000; i++) {
      const auth = crypto.randomBytes(16), pw = Buffer.alloc(16); Buffer.from("a-pass").copy(pw);
      const b = crypto.createHash("md5").update(secret).update(auth).digest();
      for (let j = 0; j < 16; j++) pw[j] ^= b[j];
      const user = Buffer.from("a"), len = 20 + 18 + 2 + user.length + 18, p = Buffer.alloc(len);
      p[0] = 1; p[1] = i & 0xff; p.writeUInt16BE(len, 2); auth.copy(p, 4);
      let o = 20; p[o] = 80; p[o + 1] = 18; o += 18;
      p[o] = 1; p[o + 1] = user.length + 2; user.copy(p, o + 2); o += user.length + 2;
      p[o] = 2; p[o + 1] = 18; pw.copy(p, o + 2);
      crypto.createHmac("md5", secret).update(p).digest().copy(p, 22);
      packets.push(p);
    }
    const s = dgram.createSocket("udp4");
    s.bind(0, "127.0.0.5", () => {
      let i = 0;
      const burst = () => { for (let k = 0; k < 200; k++) s.send(packets[i++ % packets.length], ${port}, "127.0.0.1"); setImmediate(burst); };
      burst();
    });`;
  const [cmd, ...args] = flooderCommand([process.execPath, "-e", script]);
  return spawn(cmd as string, args, { stdio: "ignore" });
}

/** A's HTTP flood in its own (niced) process, loaded once; each round starts and stops it. */
async function httpFlooder(port: number, a: { host: string; token: string }) {
  const job = JSON.stringify({ url: `http://127.0.0.1:${port}/api/users?limit=20`, ...a });
  const [cmd, ...args] = flooderCommand([
    process.execPath,
    "--import",
    "tsx",
    "bench/noisy-neighbour-http-flood.ts",
    job,
  ]);
  const proc = spawn(cmd as string, args, { stdio: ["pipe", "pipe", "inherit"] });
  if (!proc.stdout || !proc.stdin) throw new Error("no pipes");
  const lines = createInterface({ input: proc.stdout });
  const next = () => new Promise<string>((resolve) => lines.once("line", resolve));
  await next(); // ready
  return {
    pid: proc.pid,
    start: () => proc.stdin?.write("start\n"),
    stop: async () => {
      const reply = next();
      proc.stdin?.write("stop\n");
      return JSON.parse(await reply) as { refused429: number; served: number; other: number };
    },
    close: () => proc.kill(),
  };
}

/** B's RADIUS latencies (ms), one request at a time; a request unanswered in 1 s counts as lost. */
async function radiusProbe(port: number, n: number): Promise<{ ms: number[]; lost: number }> {
  const peer = await UdpPeer.open("127.0.0.6");
  const ms: number[] = [];
  let lost = 0;
  try {
    for (let i = 0; i < n; i++) {
      const req = pap("b", "b-pass", "secret-b", i);
      const t0 = process.hrtime.bigint();
      const reply = await peer.exchange(req, port, 1000);
      if (!reply || decodePacket(reply)?.code !== Code.AccessAccept) lost++;
      else ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    peer.close();
  }
  return { ms, lost };
}

/** B's HTTP latencies (ms) on an authenticated list, one request at a time, paced to stay in B's budget. */
async function httpProbe(port: number, t: { host: string; token: string }, n: number) {
  const ms: number[] = [];
  const status = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    const res = await httpRequest(port, "GET", "/api/users?limit=20", t);
    ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
    status.set(res.status, (status.get(res.status) ?? 0) + 1);
    // 300 a minute is B's budget too: about 4 requests a second keeps B itself under it.
    await new Promise((r) => setTimeout(r, 220));
  }
  return { ms, status };
}

const p99 = (xs: number[]) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    99,
  );
const HTTP_PROBES = arg("http-probes", 60);

const radius = RADIUS ? await child("bench/noisy-neighbour-radius.ts") : undefined;
const { authPort } = radius ? (JSON.parse(radius.first) as { authPort: number }) : { authPort: 0 };
const api = await child("bench/noisy-neighbour-api.ts", {
  NOISY_EARLY: EARLY ? "1" : "0",
  NOISY_COMPARE: COMPARE ? "1" : "0",
  ...(process.argv.includes("--burst") ? { NOISY_BURST: String(arg("burst", 60)) } : {}),
  NOISY_TARPIT_MS: String(arg("tarpit", 0)),
  ...(process.argv.includes("--tenant-concurrency")
    ? { NOISY_TENANT_CONCURRENCY: String(arg("tenant-concurrency", 6)) }
    : {}),
});
const { port, minutePort, tarpitPort, window, a, b } = JSON.parse(api.first) as {
  port: number;
  minutePort?: number;
  tarpitPort?: number;
  window: { points: number; duration: number };
  a: { host: string; token: string };
  b: { host: string; token: string };
};
const spreadName = `spread (${window.points} per ${window.duration} s)`;
const modes = [{ name: COMPARE || tarpitPort ? spreadName : "", port, flood: await httpFlooder(port, a) }];
if (COMPARE && minutePort)
  modes.push({ name: "minute (one fixed 60 s window)", port: minutePort, flood: await httpFlooder(minutePort, a) });
if (tarpitPort)
  modes.push({
    name: `${spreadName}, early 429s held ${arg("tarpit", 0)} ms`,
    port: tarpitPort,
    flood: await httpFlooder(tarpitPort, a),
  });
console.log(
  `signed-in budget: ${window.points} per ${window.duration} s${COMPARE ? ", compared with one fixed minute" : ""}`,
);
if (RADIUS) await radiusProbe(authPort, 300); // warm-up
for (const m of modes) await httpProbe(m.port, b, 5);
const none = { ms: [] as number[], lost: 0 };
const noHttp = { ms: [] as number[], status: new Map<number, number>() };
const rounds: {
  mode: string;
  aServed: number;
  rq: number;
  rf: number;
  hq: number;
  hf: number;
  rLost: number;
  http: string;
  a429: number;
  kernel: number;
  apiCpu: number;
  clientCpu: number;
}[] = [];
for (let r = 1; r <= ROUNDS; r++) {
  // Alternate which mode goes first, so neither always meets the machine in the same state.
  for (const mode of r % 2 ? modes : [...modes].reverse()) await round(r, mode);
}

async function round(r: number, mode: (typeof modes)[number]) {
  const { port, flood: httpFlood, name } = mode;
  const [rq, hq] = await Promise.all([
    RADIUS ? radiusProbe(authPort, PROBES) : none,
    HTTP ? httpProbe(port, b, HTTP_PROBES) : noHttp,
  ]);
  const floods = RADIUS ? Array.from({ length: FLOODERS }, () => flooder(authPort)) : [];
  // CPU is counted over the whole flood, as A's refusals are.
  const cpu0 = { api: cpuSeconds(api.proc.pid), client: cpuSeconds(httpFlood.pid), wall: performance.now() };
  if (HTTP) httpFlood.start();
  await new Promise((res) => setTimeout(res, 1500)); // let the queue fill before measuring
  const kernelBefore = RADIUS ? kernelDrops(authPort) : 0;
  const [rf, hf] = await Promise.all([
    RADIUS ? radiusProbe(authPort, PROBES) : none,
    HTTP ? httpProbe(port, b, HTTP_PROBES) : noHttp,
  ]);
  const kernel = RADIUS ? kernelDrops(authPort) - kernelBefore : 0;
  const {
    refused429: a429,
    served: a2xx,
    other: aOther,
  } = HTTP ? await httpFlood.stop() : { refused429: 0, served: 0, other: 0 };
  const wallS = (performance.now() - cpu0.wall) / 1000;
  const apiCpu = (cpuSeconds(api.proc.pid) - cpu0.api) / wallS;
  const clientCpu = (cpuSeconds(httpFlood.pid) - cpu0.client) / wallS;
  for (const f of floods) f.kill();
  await new Promise((res) => setTimeout(res, 500));
  const httpStatus = [...hf.status].map(([s, n]) => `${s}×${n}`).join(" ");
  rounds.push({
    mode: name,
    aServed: a2xx,
    rq: p99(rq.ms),
    rf: p99(rf.ms),
    hq: p99(hq.ms),
    hf: p99(hf.ms),
    rLost: rf.lost,
    http: httpStatus,
    a429,
    kernel,
    apiCpu,
    clientCpu,
  });
  console.log(
    `round ${r}${name ? ` ${name}` : ""}: B RADIUS p99 quiet ${rq.ms.length ? p99(rq.ms).toFixed(2) : "-"} ms, flood ${p99(rf.ms).toFixed(2)} ms ` +
      `(${rf.lost} of ${PROBES} unanswered); B HTTP p99 quiet ${p99(hq.ms).toFixed(1)} ms, flood ${p99(hf.ms).toFixed(1)} ms ` +
      `(B statuses ${httpStatus}); A HTTP: ${a429} refused 429, ${a2xx} served, ${aOther} other; ` +
      `kernel socket-buffer drops while B was measured: ${kernel}; ` +
      `while A flooded: API process ${(apiCpu * 100).toFixed(0)} % of a core, A's HTTP client ${(clientCpu * 100).toFixed(0)} %, ` +
      `A refused ${(a429 / (apiCpu * wallS)).toFixed(0)} per API CPU-s (${(a429 / wallS).toFixed(0)}/s); load ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")}`,
  );
}

radius?.proc.stdin?.end();
const final = radius
  ? await new Promise<string>((resolve) => {
      radius.proc.stdout && createInterface({ input: radius.proc.stdout }).once("line", resolve);
    })
  : JSON.stringify({ counters: {}, tenantQueueDrops: {} });
api.proc.kill("SIGTERM");
for (const m of modes) m.flood.close();
const { counters, tenantQueueDrops } = JSON.parse(final) as {
  counters: Record<string, number>;
  tenantQueueDrops: Record<string, number>;
};

const ratio = (q: number, f: number) => f / q;
console.log(
  "\n| tenant B, same run (median of rounds) | quiet p99 | p99 while A floods | ratio (per round) | target |",
);
console.log("|---|---|---|---|---|");
for (const { name } of modes) {
  const of = rounds.filter((x) => x.mode === name);
  const label = name ? `, budget ${name}` : "";
  const rr = median(of.map((x) => ratio(x.rq, x.rf)));
  const hr = median(of.map((x) => ratio(x.hq, x.hf)));
  const each = (f: (x: (typeof of)[number]) => number) => of.map((x) => `${f(x).toFixed(2)}×`).join(", ");
  if (RADIUS)
    console.log(
      `| RADIUS PAP${label} | ${median(of.map((x) => x.rq)).toFixed(2)} ms | ${median(of.map((x) => x.rf)).toFixed(2)} ms | ${rr.toFixed(2)}× (${each((x) => ratio(x.rq, x.rf))}) | ≤ 1.5× ${rr <= 1.5 ? "met" : "MISSED"} |`,
    );
  if (HTTP)
    console.log(
      `| HTTP GET /api/users${label} | ${median(of.map((x) => x.hq)).toFixed(1)} ms | ${median(of.map((x) => x.hf)).toFixed(1)} ms | ${hr.toFixed(2)}× (${each((x) => ratio(x.hq, x.hf))}) | ≤ 1.5× ${hr <= 1.5 ? "met" : "MISSED"} |`,
    );
  if (HTTP) console.log(`|   A served within its budget${label}: ${of.map((x) => x.aServed).join(", ")} | | | | |`);
}
console.log(
  `\nA's RADIUS drops by reason: queue_full ${counters.droppedQueueFull ?? 0} (per tenant: ${JSON.stringify(tenantQueueDrops)}), ` +
    `malformed ${counters.droppedMalformed ?? 0}, unknown_nas ${counters.droppedUnknownNas ?? 0}; ` +
    `received ${counters.received ?? 0}, accepts ${counters.accessAccepts ?? 0}. ` +
    `B's RADIUS probes unanswered under flood: ${rounds.map((x) => x.rLost).join(", ")}. ` +
    `A's HTTP refused (429, rate_limited): ${rounds.map((x) => x.a429).join(", ")}. ` +
    `Kernel receive-buffer drops while B was measured: ${rounds.map((x) => x.kernel).join(", ")}. ` +
    `Flooders ${SAME_PRIORITY ? "at the server's priority (--same-priority)" : `at nice ${NICE} (remote machines)`}.`,
);
console.log(
  "Anchor (issue 17, before the fair queue overflowed): B's RADIUS p95 0.84 ms quiet → 5.5 ms (6.6×) under a 4-radclient flood.",
);
process.exit(0);
