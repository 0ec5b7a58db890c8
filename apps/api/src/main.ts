import { serve } from "@hono/node-server";
import { ConfigError, loadConfig } from "@proxpanel/config";
import { createApp } from "./app.ts";
import { bootstrap } from "./bootstrap.ts";
import { DEMO, seed } from "./seed.ts";

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

const runtime = await bootstrap(config);
const { deps } = runtime;
const seeded = await seed(deps);
const app = createApp(deps);
const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
  const port = info.port;
  const base = config.BASE_DOMAIN;
  const lines = [
    "",
    "ProxPanel is running.",
    `  database:       ${runtime.database.embedded ? `embedded PostgreSQL (data in ${config.DATA_DIR}/pg)` : "DATABASE_URL"}`,
    `  shared state:   ${deps.state.kind === "redis" ? "Redis (REDIS_URL)" : "in-process (set REDIS_URL for a cluster)"}`,
    `  console (apex): http://${base}:${port}/`,
    `  demo tenant:    http://${DEMO.slug}.${base}:${port}/`,
    "",
    `  super-admin:    ${config.SUPERADMIN_EMAIL} / ${seeded.superAdmin?.password ?? (config.SUPERADMIN_PASSWORD ? "(SUPERADMIN_PASSWORD)" : "superadmin-password-1 (unless changed)")}`,
    config.SEED_DEMO ? `  demo admin:     ${DEMO.email} / ${DEMO.password}` : "",
    "",
    `  try: curl -s http://${DEMO.slug}.${base}:${port}/api/branding`,
    "",
  ];
  console.log(lines.filter((l, i, a) => l !== "" || a[i - 1] !== "").join("\n"));
});

let closing = false;
async function shutdown(signal: string) {
  if (closing) return;
  closing = true;
  deps.logger.info({ signal }, "shutting down");
  // Stop accepting, let in-flight requests finish, then release the pool and the embedded server.
  server.close();
  await runtime.close();
  process.exit(0);
}
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
