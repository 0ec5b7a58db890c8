import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { openAPIRouteHandler } from "hono-openapi";
import type { AppDeps } from "./deps.ts";
import type { AppEnv } from "./env.ts";
import { AppError, ErrorCode, errorBody, onError } from "./errors.ts";
import { httpMetrics } from "./middleware/metrics.ts";
import { tenantRateLimit } from "./middleware/rate-limit.ts";
import { requestContext } from "./middleware/request-context.ts";
import { siteResolution } from "./middleware/site.ts";
import { tenantConcurrency } from "./middleware/tenant-concurrency.ts";
import { jsonResponse, openapiDocument } from "./openapi.ts";
import { auditRoutes } from "./routes/audit/index.ts";
import { tenantAuthRoutes } from "./routes/auth/index.ts";
import { authLogRoutes } from "./routes/auth-logs/index.ts";
import { backupRoutes } from "./routes/backups/index.ts";
import { billingRoutes } from "./routes/billing/index.ts";
import { brandingRoutes } from "./routes/branding/index.ts";
import { domainRoutes } from "./routes/domains/index.ts";
import { healthRoutes } from "./routes/health/index.ts";
import { invoiceRoutes } from "./routes/invoices/index.ts";
import { invoicePdfRoutes, portalInvoicePdfRoutes } from "./routes/invoices/pdf-routes.ts";
import { ipPoolRoutes } from "./routes/ip-pools/index.ts";
import { ipv6PoolRoutes } from "./routes/ipv6-pools/index.ts";
import { nasRoutes } from "./routes/nas/index.ts";
import { notificationRoutes } from "./routes/notifications/index.ts";
import { paymentSettingsRoutes, paymentWebhookRoutes, portalPaymentRoutes } from "./routes/payments/index.ts";
import { permissionGroupRoutes } from "./routes/permission-groups/index.ts";
import { planRoutes } from "./routes/plans/index.ts";
import { portalRoutes, portalSettingsRoutes } from "./routes/portal/index.ts";
import { resellerRoutes } from "./routes/resellers/index.ts";
import { saasRoutes } from "./routes/saas/index.ts";
import { sessionRoutes } from "./routes/sessions/index.ts";
import { isBrandingUpload, settingsRoutes, UPLOAD_BODY_LIMIT } from "./routes/settings/index.ts";
import { signupRoutes } from "./routes/signup/index.ts";
import { siteRoutes } from "./routes/site/index.ts";
import { subscriberRoutes } from "./routes/subscribers/index.ts";
import { tlsAskRoutes } from "./routes/tls-ask/index.ts";
import { trafficRoutes } from "./routes/traffic/index.ts";
import { transactionRoutes } from "./routes/transactions/index.ts";
import { userRoutes } from "./routes/users/index.ts";
import { hotspotRoutes } from "./routes/vouchers/hotspot.ts";
import { voucherRoutes } from "./routes/vouchers/index.ts";
import { billingWebhookRoutes } from "./routes/webhooks/billing.ts";
import { wireguardRoutes } from "./routes/wireguard/index.ts";
import { panelStatic } from "./static-panel.ts";

/** How /api/openapi.json (and the panel's generated client, scripts/openapi-generate.ts) is built. */
export const OPENAPI_OPTIONS = {
  // Routes without a validator (GET /api/auth/me, /api/branding...) belong in the document too:
  // the panel's typed client is generated from it.
  includeEmptyPaths: true,
  // Not static files here: /api/subscribers/export.csv, /api/wireguard/host.conf and
  // /api/branding/custom.css are API routes and belong in the document.
  excludeStaticFile: false,
  documentation: {
    openapi: "3.1.0",
    info: {
      title: "ProxPanel API",
      version: "1",
      description:
        "Tenant routes answer on <slug>.<base-domain> (and verified custom domains); /api/saas/* and /api/signup only on the apex. Errors: { error: { code, message, requestId } }.",
    },
    components: { securitySchemes: { bearer: { type: "http" as const, scheme: "bearer", bearerFormat: "JWT" } } },
    security: [{ bearer: [] }],
  },
};

export function createApp(deps: AppDeps) {
  const limitTenant = tenantRateLimit(deps);
  const app = new Hono<AppEnv>();
  app.onError(onError);
  app.notFound((c) => c.json(errorBody(c, ErrorCode.notFound, "Not found"), 404));
  app.use(requestContext(deps));
  app.use(httpMetrics());
  app.route("/", healthRoutes(deps));
  // Metrics live on their own loopback listener (API_METRICS_PORT); on the public port, any host,
  // the path is a plain 404 rather than the panel's HTML.
  // (A middleware, not a route: it is not part of the API document.)
  app.use("/metrics", (c) => Promise.resolve(c.json(errorBody(c, ErrorCode.notFound, "Not found"), 404)));
  app.route("/internal/tls/ask", tlsAskRoutes(deps));
  // Registered before the host checks so every host (apex or tenant) can fetch the document.
  app.get(
    "/api/openapi.json",
    jsonResponse(openapiDocument, "This document (OpenAPI 3.1)", { security: [] }),
    openAPIRouteHandler(app, OPENAPI_OPTIONS),
  );

  const jsonBodyLimit = bodyLimit({
    maxSize: 1024 * 1024,
    onError: () => {
      throw new AppError(413, ErrorCode.payloadTooLarge, "Request body is larger than 1 MiB.");
    },
  });
  // Branding image uploads are the one exception: a 2 MiB file plus its multipart envelope.
  const uploadBodyLimit = bodyLimit({
    maxSize: UPLOAD_BODY_LIMIT,
    onError: () => {
      throw new AppError(413, ErrorCode.payloadTooLarge, "The upload is larger than 2 MiB.");
    },
  });
  app.use("/api/*", (c, next) => {
    // An uploaded archive streams to disk and is capped by the plan's backup quota in the service.
    if (c.req.method === "POST" && c.req.path === "/api/backups/restore-upload") return next();
    return (isBrandingUpload(c.req.method, c.req.path) ? uploadBodyLimit : jsonBodyLimit)(c, next);
  });
  app.use("/api/*", siteResolution(deps));
  app.use(
    "/api/*",
    createMiddleware<AppEnv>(async (c, next) => (c.get("site").kind === "tenant" ? limitTenant(c, next) : next())),
  );
  app.use("/api/*", tenantConcurrency(deps));

  // Both kinds of host: the panel's boot question.
  app.route("/api/site", siteRoutes(deps));

  // Apex only (site resolution refuses these paths on tenant hosts).
  app.route("/api/signup", signupRoutes(deps));
  app.route("/api/saas", saasRoutes(deps));
  app.route("/api/webhooks", billingWebhookRoutes(deps));

  // Tenant hosts only.
  app.route("/api/auth", tenantAuthRoutes(deps));
  app.route("/api/branding", brandingRoutes(deps));
  app.route("/api/users", userRoutes(deps));
  app.route("/api/audit-logs", auditRoutes(deps));
  app.route("/api/permission-groups", permissionGroupRoutes(deps));
  app.route("/api/settings/domain", domainRoutes(deps));
  app.route("/api/settings/payment-providers", paymentSettingsRoutes(deps));
  app.route("/api/settings", portalSettingsRoutes(deps));
  app.route("/api/settings", settingsRoutes(deps));
  app.route("/api/portal/payments", portalPaymentRoutes(deps));
  // Before /api/portal: the subscriber's own invoice PDFs.
  app.route("/api/portal/invoices", portalInvoicePdfRoutes(deps));
  app.route("/api/portal", portalRoutes(deps));
  app.route("/api/payments", paymentWebhookRoutes(deps));
  app.route("/api/plans", planRoutes(deps));
  app.route("/api/subscribers", subscriberRoutes(deps));
  app.route("/api/sessions", sessionRoutes(deps));
  app.route("/api/auth-logs", authLogRoutes(deps));
  app.route("/api/nas", nasRoutes(deps));
  app.route("/api/traffic", trafficRoutes(deps));
  app.route("/api/ip-pools", ipPoolRoutes(deps));
  app.route("/api/ipv6-pools", ipv6PoolRoutes(deps));
  app.route("/api/wireguard", wireguardRoutes(deps));
  app.route("/api/invoices", invoicePdfRoutes(deps));
  app.route("/api/invoices", invoiceRoutes(deps));
  app.route("/api/billing", billingRoutes(deps));
  app.route("/api/transactions", transactionRoutes(deps));
  app.route("/api/resellers", resellerRoutes(deps));
  app.route("/api/notifications", notificationRoutes(deps));
  app.route("/api/backups", backupRoutes(deps));
  app.route("/api/vouchers", voucherRoutes(deps));
  // The hotspot login page lives outside /api (a router's login.html points at it) but is a tenant's
  // page all the same: resolved, limited and rate-limited like /api.
  app.use("/hotspot/*", jsonBodyLimit, siteResolution(deps));
  app.use("/hotspot/*", limitTenant);
  app.route("/hotspot", hotspotRoutes(deps));
  // Last: the browser panel (SPA) for every non-/api GET on the apex and tenant hosts.
  app.use("*", panelStatic(deps));
  return app;
}

export type App = ReturnType<typeof createApp>;
