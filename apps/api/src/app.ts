import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import type { AppDeps } from "./deps.ts";
import type { AppEnv } from "./env.ts";
import { AppError, ErrorCode, errorBody, onError } from "./errors.ts";
import { tenantRateLimit } from "./middleware/rate-limit.ts";
import { requestContext } from "./middleware/request-context.ts";
import { siteResolution } from "./middleware/site.ts";
import { auditRoutes } from "./routes/audit/index.ts";
import { tenantAuthRoutes } from "./routes/auth/index.ts";
import { brandingRoutes } from "./routes/branding/index.ts";
import { healthRoutes } from "./routes/health/index.ts";
import { saasRoutes } from "./routes/saas/index.ts";
import { signupRoutes } from "./routes/signup/index.ts";
import { userRoutes } from "./routes/users/index.ts";

export function createApp(deps: AppDeps) {
  const limitTenant = tenantRateLimit(deps);
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.notFound((c) => c.json(errorBody(c, ErrorCode.notFound, "Not found"), 404));
  app.use(requestContext(deps));
  app.route("/", healthRoutes(deps));

  app.use(
    "/api/*",
    bodyLimit({
      maxSize: 1024 * 1024,
      onError: () => {
        throw new AppError(413, ErrorCode.payloadTooLarge, "Request body is larger than 1 MiB.");
      },
    }),
  );
  app.use("/api/*", siteResolution(deps));
  app.use(
    "/api/*",
    createMiddleware<AppEnv>(async (c, next) => (c.get("site").kind === "tenant" ? limitTenant(c, next) : next())),
  );

  // Apex only (site resolution refuses these paths on tenant hosts).
  app.route("/api/signup", signupRoutes(deps));
  app.route("/api/saas", saasRoutes(deps));

  // Tenant hosts only.
  app.route("/api/auth", tenantAuthRoutes(deps));
  app.route("/api/branding", brandingRoutes());
  app.route("/api/users", userRoutes(deps));
  app.route("/api/audit-logs", auditRoutes(deps));
  return app;
}

export type App = ReturnType<typeof createApp>;
