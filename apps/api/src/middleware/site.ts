import { createMiddleware } from "hono/factory";
import type { AppDeps } from "../deps.ts";
import type { AppEnv } from "../env.ts";
import { AppError, ErrorCode, notFound } from "../errors.ts";

/** Paths served only on the apex (the console and signup); every other /api path is a tenant's. */
export function isApexPath(path: string): boolean {
  return (
    path === "/api/signup" ||
    path.startsWith("/api/signup/") ||
    path === "/api/saas" ||
    path.startsWith("/api/saas/") ||
    // Billing providers call the apex only; a tenant host never receives plan changes.
    path.startsWith("/api/webhooks/")
  );
}

/** The panel's boot question ("apex or which tenant?") answers on both kinds of host. */
const BOTH_KINDS_PATH = "/api/site";

/**
 * Resolves the host into the apex, a tenant, or nothing. An unknown host, a tenant path on the
 * apex or a console path on a tenant host all get the same bare 404. Tenant status is enforced
 * here, before any route runs: suspended 403, deleted 404, migrated 409 naming the new home.
 */
export function siteResolution(deps: AppDeps) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const resolution = await deps.resolver.resolve(c.get("host"));
    const apexPath = isApexPath(c.req.path);
    if (resolution.kind === "unknown") throw notFound();
    if (resolution.kind === "apex") {
      if (!apexPath && c.req.path !== BOTH_KINDS_PATH) throw notFound();
      c.set("site", { kind: "apex" });
      return next();
    }
    if (apexPath) throw notFound();
    const t = resolution.tenant;
    if (t.status === "deleted") throw notFound();
    if (t.status === "suspended") {
      throw new AppError(403, ErrorCode.tenantSuspended, "This workspace is suspended. Contact your provider.");
    }
    if (t.status === "migrated") {
      throw new AppError(
        409,
        ErrorCode.tenantMigrated,
        t.migratedTo ? `This workspace has moved to ${t.migratedTo}.` : "This workspace has moved.",
        t.migratedTo ? { location: t.migratedTo } : undefined,
      );
    }
    c.set("site", { kind: "tenant", tenant: t });
    // The only place request code gets at tenant tables: a client bound to this tenant's schema.
    c.set("tenant", { id: t.id, slug: t.slug, ...deps.tenantClients.get(t.schemaName) });
    return next();
  });
}
