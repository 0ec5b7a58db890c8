import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { TEST_SECRETS } from "./harness.ts";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** One of the apps' real entry points (`apps/<app>/src/main.ts`) as a child process, stdout read by line. */
export interface AppProcess {
  child: ChildProcess;
  /** Every stdout line so far. */
  lines: string[];
  /** The first line (past or future) that `match` accepts; fails if the process exits first. */
  line(match: (line: string) => boolean, what: string): Promise<string>;
  /** The value of the first JSON log line whose msg is `msg`. */
  logged(msg: string): Promise<Record<string, unknown>>;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** The environment every spawned app shares: the run's database, fixed secrets, JSON logs. */
export function appEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("TEST_DATABASE_URL missing: run through vitest (global setup)");
  return {
    ...process.env,
    NODE_ENV: "test",
    DATABASE_URL: url,
    BASE_DOMAIN: "proxpanel.test",
    SEED_DEMO: "false",
    LOG_FORMAT: "json",
    LOG_LEVEL: "info",
    HOST: "127.0.0.1",
    PORT: "0",
    METRICS_HOST: "127.0.0.1",
    API_METRICS_PORT: "0",
    RADIUS_METRICS_PORT: "0",
    WORKER_METRICS_PORT: "0",
    LOGIN_MAX_FAILURES_PER_IP: "1000000",
    // As tests/harness.ts: tests poll and fire requests faster than a tenant's short window allows;
    // the minute's budget alone counts for them, and suites testing the windows set their own.
    TENANT_RATE_LIMIT_BURST: "1000000",
    ...TEST_SECRETS,
    ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
    ...extra,
  };
}

export function spawnApp(app: "api" | "radius" | "worker", env: NodeJS.ProcessEnv): AppProcess {
  const child = spawn(process.execPath, ["--import", "tsx", `apps/${app}/src/main.ts`], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  const waiters = new Set<(line: string) => void>();
  if (child.stdout) {
    createInterface({ input: child.stdout }).on("line", (l) => {
      lines.push(l);
      for (const w of waiters) w(l);
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const line = (match: (l: string) => boolean, what: string) => {
    const seen = lines.find(match);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise<string>((resolve, reject) => {
      const w = (l: string) => {
        if (!match(l)) return;
        waiters.delete(w);
        resolve(l);
      };
      waiters.add(w);
      void exited.then(({ code, signal }) => {
        if (waiters.delete(w)) reject(new Error(`${app} exited (${signal ?? code}) before ${what}`));
      });
    });
  };
  const parse = (l: string): Record<string, unknown> | undefined => {
    try {
      const v: unknown = JSON.parse(l);
      return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  };
  return {
    child,
    lines,
    line,
    exited,
    logged: async (msg) => parse(await line((l) => parse(l)?.msg === msg, `"${msg}"`)) ?? {},
    stop: (signal = "SIGTERM") => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** The API's public port, from its start-up banner. */
export async function apiPort(p: AppProcess): Promise<number> {
  const l = await p.line((x) => /signup \(apex\):\s+http:\/\/[^:]+:\d+\//.test(x), "the banner");
  return Number(/:(\d+)\/\s*$/.exec(l)?.[1]);
}

/** GET /metrics on a metrics listener, as Prometheus text. */
export async function scrape(port: number): Promise<string> {
  const res = await fetch(`http://127.0.0.1:${port}/metrics`);
  if (res.status !== 200) throw new Error(`scrape: ${res.status}`);
  return res.text();
}

/** Sum of every series of `name` whose labels include `labels`. */
export function total(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const got = new Map<string, string>();
    for (const kv of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) got.set(kv[1] as string, kv[2] as string);
    if (Object.entries(labels).every(([k, v]) => got.get(k) === v)) sum += Number(m[3]);
  }
  return sum;
}
