import { Hono } from "hono";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";

// Placeholder mounted by app.ts; replaced by the resource's routes.
export function sessionRoutes(_deps: AppDeps) {
  return new Hono<AppEnv>();
}
