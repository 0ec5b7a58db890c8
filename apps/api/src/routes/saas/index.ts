import { Hono } from "hono";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { saasAuditRoutes } from "./audit.ts";
import { saasAuthRoutes } from "./auth.ts";
import { saasBackupRoutes } from "./backups.ts";
import { saasHealthRoutes } from "./health.ts";
import { saasMailRoutes } from "./mail.ts";
import { saasReportRoutes } from "./reports.ts";
import { saasTenantRoutes } from "./tenants.ts";

export function saasRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .route("/auth", saasAuthRoutes(deps))
    .route("/tenants", saasTenantRoutes(deps))
    .route("/audit", saasAuditRoutes(deps))
    .route("/backups", saasBackupRoutes(deps))
    .route("/mail-outbox", saasMailRoutes(deps))
    .route("/reports", saasReportRoutes(deps))
    .route("/health", saasHealthRoutes(deps));
}
