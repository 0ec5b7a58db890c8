import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { claimPort, exitOnStartupError, loadConfigOrExit, StartupError } from "@proxpanel/config";
import { setDynAuthDispatcher } from "@proxpanel/dynauth";
import { createApp } from "./app.ts";
import { bootstrap } from "./bootstrap.ts";
import { earlyRefusal } from "./early-refusal.ts";
import { serveApp } from "./host-guard.ts";
import { startLocalTls } from "./local-tls.ts";
import { startApiMetrics } from "./metrics.ts";
import { sweepInterruptedJobs } from "./routes/backups/backups-progress.ts";
import { DEMO, seed } from "./seed.ts";
import { drainApi } from "./shutdown.ts";
import { startStandalone } from "./standalone.ts";
import { ensurePanelBuilt } from "./static-panel.ts";

let config = loadConfigOrExit();
// The API serves the browser panel; a fresh checkout has no build of it yet.
ensurePanelBuilt();

// Behind the local Caddy the API must believe its forwarded headers: from loopback, and only with
// the secret header this process gives that Caddy (any other local process lacks it).
if (config.START_TLS && config.TRUSTED_PROXIES.length === 0) {
  config = {
    ...config,
    TRUSTED_PROXIES: ["loopback"],
    TRUSTED_PROXY_SECRET: config.TRUSTED_PROXY_SECRET ?? randomBytes(24).toString("base64url"),
  };
}
// Outside production, links in e-mail point at this process (or its local Caddy) on its own port.
if (config.NODE_ENV !== "production" && config.PUBLIC_PORT === undefined) {
  config = config.START_TLS
    ? { ...config, PUBLIC_SCHEME: config.PUBLIC_SCHEME ?? "https", PUBLIC_PORT: config.TLS_PORT }
    : { ...config, PUBLIC_PORT: config.PORT };
}
// Foreseeable start-up failures (a port taken, a data folder that cannot be used) are one line, not a trace.
await claimPort(config.PORT, "the API and panel", "PORT", config.HOST).catch(exitOnStartupError);
const runtime = await bootstrap(config).catch(exitOnStartupError);
const { deps } = runtime;
// Disconnect/CoA after subscriber and plan changes commit (packages/dynauth).
setDynAuthDispatcher({
  db: deps.db,
  keys: deps.keys,
  onError: (err, where) => deps.logger.warn({ err: String(err), where }, "radius disconnect/CoA"),
});
const seeded = await seed(deps);
// Restores and backups a killed or restarted instance left open: interrupted, staging schemas dropped.
await sweepInterruptedJobs(deps);
const standalone = config.PROXPANEL_MODE === "standalone" ? await startStandalone(deps) : undefined;
const app = createApp(deps);

/** Where the database is, without its password. */
function databaseLabel(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return "DATABASE_URL";
  }
}

let caddy: ChildProcess | undefined;
function startTls(apiPort: number): string {
  const started = startLocalTls(config, apiPort);
  caddy = started.child;
  return started.banner;
}
// A tenant past its signed-in rate limit is refused before the app (early-refusal.ts).
const gate = earlyRefusal({
  config,
  tokens: deps.tokens,
  blocks: deps.limiters.tenantBlocks,
  refusalDelayMs: config.RATE_LIMIT_REFUSAL_HOLD_MS,
});
const server = serveApp({ fetch: app.fetch, port: config.PORT, hostname: config.HOST, gate }, (info) => {
  const port = info.port;
  const base = config.BASE_DOMAIN;
  const standaloneLines = standalone
    ? [
        "",
        `ProxPanel is running in standalone mode (tenant "${standalone.slug}" on every host).`,
        `  panel:          http://${base}:${port}/`,
        config.RADIUS_ENABLED
          ? `  radius:         auth udp/${config.RADIUS_AUTH_PORT}, accounting udp/${config.RADIUS_ACCT_PORT} (its own process)`
          : "",
        standalone.password ? `  first admin:    ${config.STANDALONE_ADMIN_EMAIL} / ${standalone.password}` : "",
        "",
      ]
    : undefined;
  const lines = standaloneLines ?? [
    "",
    "ProxPanel is running.",
    `  database:       ${runtime.database.embedded ? `embedded PostgreSQL (data in ${config.DATA_DIR}/pg)` : databaseLabel(runtime.database.url)}`,
    `  shared state:   ${{ redis: "Redis (REDIS_URL)", postgres: "PostgreSQL LISTEN/NOTIFY (set REDIS_URL for a cluster)", memory: "in-process" }[deps.state.kind]}`,
    `  signup (apex):  http://${base}:${port}/`,
    `  console:        http://${base}:${port}/console`,
    `  demo tenant:    http://${DEMO.slug}.${base}:${port}/`,
    config.RADIUS_ENABLED
      ? `  radius:         auth udp/${config.RADIUS_AUTH_PORT}, accounting udp/${config.RADIUS_ACCT_PORT} (its own process)`
      : "",
    config.START_TLS ? `  https (caddy):  ${startTls(port)}` : "",
    "",
    `  super-admin:    ${config.SUPERADMIN_EMAIL} / ${seeded.superAdmin?.password ?? (config.SUPERADMIN_PASSWORD ? "(SUPERADMIN_PASSWORD)" : "superadmin-password-1 (unless changed)")}`,
    config.SEED_DEMO ? `  demo admin:     ${DEMO.email} / ${DEMO.password}` : "",
    "",
    `  try: curl -s http://${DEMO.slug}.${base}:${port}/api/branding`,
    "",
  ];
  console.log(lines.filter((l, i, a) => l !== "" || a[i - 1] !== "").join("\n"));
});

// Prometheus on its own loopback listener (API_METRICS_PORT); the public port answers 404 there.
const metrics = await startApiMetrics(deps).catch((err: unknown) =>
  exitOnStartupError(
    new StartupError(`metrics port ${config.API_METRICS_PORT} cannot be used (${String(err)}): set API_METRICS_PORT`),
  ),
);
if (metrics) deps.logger.info({ port: metrics.port, host: config.METRICS_HOST }, "metrics listening");

server.on("error", (err) => {
  const code = (err as { code?: string }).code;
  const reason = code === "EADDRINUSE" ? "is in use" : code === "EACCES" ? "needs privileges" : String(err);
  // The exit hook of the embedded server stops it on the way out.
  exitOnStartupError(new StartupError(`port ${config.PORT} (the API and panel) ${reason}: set PORT`));
});

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  deps.logger.info({ signal, drainMs: config.SHUTDOWN_DRAIN_MS }, "shutting down");
  // Stop accepting, let in-flight requests and backups finish (bounded), then release the pool and
  // the embedded server.
  await drainApi(server as Server, config.SHUTDOWN_DRAIN_MS, deps.logger);
  // Past the deadline, closing the pool cuts work that was given up (an aborted dump's COPY); its
  // stream's error has no listener left. The process is on its way out: log it, do not crash.
  process.on("uncaughtException", (err) => deps.logger.warn({ err: String(err) }, "error during shutdown"));
  caddy?.kill();
  await metrics?.close();
  await runtime.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGHUP", () => void shutdown("SIGHUP"));
