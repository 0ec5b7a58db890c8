// Child process of bench/scale.ts: the real API on the scale database (rate limit raised so the
// load is not refused). Prints { port } once listening; exits on SIGTERM.
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import pino from "pino";
import { createApp } from "../apps/api/src/app.ts";
import { bootstrap } from "../apps/api/src/bootstrap.ts";
import { scaleConfig } from "./scale-fill.ts";

const runtime = await bootstrap(scaleConfig({ TENANT_RATE_LIMIT_PER_MIN: "1000000" }), {
  logger: pino({ level: "silent" }),
});
const app = createApp(runtime.deps);
const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on("SIGTERM", async () => {
  server.close();
  await runtime.close();
  process.exit(0);
});
