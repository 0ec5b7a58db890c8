/**
 * `npm start`: a thin launcher. It starts the embedded PostgreSQL when no DATABASE_URL is set,
 * then the three processes from their own entry points: the API first (it migrates, seeds the
 * demo tenant and writes the development secrets the others read), then the RADIUS daemon and the
 * worker. They share the database and, without REDIS_URL, hear each other's events over
 * PostgreSQL LISTEN/NOTIFY. A signal stops them all; one exiting on its own stops the rest.
 * It imports no app: each runs as `node --import tsx apps/<app>/src/main.ts`.
 */
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { claimPort, exitOnStartupError, loadConfigOrExit, StartupError } from "@proxpanel/config";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const config = loadConfigOrExit();

// The API's port is checked before anything starts: a taken port is one line, not three crashes.
await claimPort(config.PORT, "the API and panel", "PORT", config.HOST).catch(exitOnStartupError);

let stopDatabase: (() => Promise<void>) | undefined;
let databaseUrl = config.DATABASE_URL;
if (!databaseUrl) {
  // Loaded only when needed, like the API did before: the binaries are not required with a URL.
  const { startEmbeddedPostgres } = await import("@proxpanel/db/embedded");
  const server = await startEmbeddedPostgres({
    dir: path.join(config.DATA_DIR, "pg"),
    port: config.EMBEDDED_PG_PORT,
    database: "proxpanel",
  }).catch(exitOnStartupError);
  databaseUrl = server.url;
  stopDatabase = server.stop;
}

const env: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: databaseUrl };

interface Child {
  name: string;
  process: ChildProcess;
}
const children: Child[] = [];
let stopping = false;

/**
 * `essential`: the others cannot run usefully without it (the API, the worker). The RADIUS daemon
 * is not: when it cannot start (e.g. ports below 1024 for an ordinary user) its one-line reason is
 * printed and the panel stays up, as it did when the daemon ran inside the API.
 */
function launch(name: string, entry: string, essential = true): Child {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, entry)], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "inherit", "inherit"],
  });
  const entryChild = { name, process: child };
  children.push(entryChild);
  child.once("exit", (code, signal) => {
    if (stopping) return;
    const how = signal ?? `exit ${code}`;
    if (!essential) {
      process.stderr.write(`proxpanel: the ${name} stopped (${how}); the panel and API go on without it\n`);
      return;
    }
    // A process that stops on its own has printed why; the others cannot run usefully without it.
    process.stderr.write(`proxpanel: the ${name} stopped (${how}); stopping the others\n`);
    void stop(code === 0 ? 1 : (code ?? 1));
  });
  return entryChild;
}

async function stop(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  await Promise.all(
    children.map(
      ({ process: child }) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          // Each process drains for SHUTDOWN_DRAIN_MS (requests, accounting, a backup); then a margin.
          const force = setTimeout(() => child.kill("SIGKILL"), config.SHUTDOWN_DRAIN_MS + 10_000);
          child.once("exit", () => {
            clearTimeout(force);
            resolve();
          });
          child.kill("SIGTERM");
        }),
    ),
  );
  await stopDatabase?.();
  process.exit(exitCode);
}

for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void stop(0));

/** The API answers /healthz once it has migrated, seeded and bound its port. */
async function apiReady(api: Child): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (api.process.exitCode !== null) return;
    try {
      const res = await fetch(`http://127.0.0.1:${config.PORT}/healthz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  exitOnStartupError(new StartupError("the API did not answer /healthz within 180 s"));
}

const api = launch("API", "apps/api/src/main.ts");
await apiReady(api);
if (!stopping) {
  if (config.RADIUS_ENABLED) launch("RADIUS daemon", "apps/radius/src/main.ts", false);
  launch("worker", "apps/worker/src/main.ts");
  const where = stopDatabase ? `the embedded PostgreSQL (data in ${path.join(config.DATA_DIR, "pg")})` : "DATABASE_URL";
  console.log(`  processes:      API, ${config.RADIUS_ENABLED ? "RADIUS daemon, " : ""}worker, on ${where}\n`);
}
