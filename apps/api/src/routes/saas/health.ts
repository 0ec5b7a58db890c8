import { RadiusStatsCollector } from "@proxpanel/radius/stats";
import { Hono } from "hono";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requireSuperAdmin } from "../../middleware/auth.ts";
import { jsonResponse } from "../../openapi.ts";
import * as out from "./responses.ts";
import { systemHealth } from "./saas-health.ts";

export function saasHealthRoutes(deps: AppDeps) {
  // Listening from start-up, so the first look at the page already has the daemons' latest rates.
  const radius = new RadiusStatsCollector(deps.state);
  return new Hono<AppEnv>()
    .use(requireSuperAdmin(deps))
    .get("/", jsonResponse(out.systemHealthBody, "The platform's health"), async (c) =>
      c.json(await systemHealth(deps, radius)),
    );
}
