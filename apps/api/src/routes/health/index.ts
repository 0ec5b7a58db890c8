import { sql } from "drizzle-orm";
import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { jsonResponse } from "../../openapi.ts";

const readiness = z.object({
  status: z.enum(["ready", "degraded", "not_ready"]),
  checks: z.object({ database: z.boolean(), state: z.boolean() }),
});

/** Liveness says the process answers; readiness says its database and shared state do too. */
export function healthRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .get(
      "/healthz",
      jsonResponse(z.object({ status: z.literal("ok") }), "The process answers", { security: [] }),
      (c) => c.json({ status: "ok" }),
    )
    .get(
      "/readyz",
      jsonResponse(readiness, "Ready (503 with the same body when the database is not)", { security: [] }),
      async (c) => {
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
      },
    );
}
