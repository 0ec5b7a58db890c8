import { sql } from "drizzle-orm";
import { Hono } from "hono";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";

/** Liveness says the process answers; readiness says its database and shared state do too. */
export function healthRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get("/healthz", (c) => c.json({ status: "ok" }))
    .get("/readyz", async (c) => {
      const [database, state] = await Promise.all([
        deps.db.execute(sql`select 1`).then(
          () => true,
          () => false,
        ),
        deps.state.ping(),
      ]);
      // Without the database nothing can be served; without Redis requests are still served
      // (per-instance limits, local invalidation): ready, but degraded.
      const status = !database ? "not_ready" : state ? "ready" : "degraded";
      return c.json({ status, checks: { database, state } }, database ? 200 : 503);
    });
}
