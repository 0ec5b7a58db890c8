import type { Config } from "@proxpanel/config";
import { type Db, tenants } from "@proxpanel/db";
import type { TenantResolver } from "@proxpanel/tenancy";
import { eq } from "drizzle-orm";

export interface PublicUrlDeps {
  db: Db;
  resolver: TenantResolver;
  config: Pick<Config, "NODE_ENV" | "PUBLIC_SCHEME" | "PUBLIC_PORT" | "PROXPANEL_MODE" | "BASE_DOMAIN">;
}

function origin(config: PublicUrlDeps["config"], host: string): string {
  const scheme = config.PUBLIC_SCHEME ?? (config.NODE_ENV === "production" ? "https" : "http");
  const port =
    config.PUBLIC_PORT && config.PUBLIC_PORT !== (scheme === "https" ? 443 : 80) ? `:${config.PUBLIC_PORT}` : "";
  return `${scheme}://${host}${port}`;
}

/** A new workspace's address: its subdomain (a standalone install answers on the base domain). */
export function workspaceUrl(deps: Pick<PublicUrlDeps, "resolver" | "config">, slug: string): string {
  const host = deps.config.PROXPANEL_MODE === "standalone" ? deps.config.BASE_DOMAIN : deps.resolver.hostFor(slug);
  return origin(deps.config, host);
}

/**
 * Where a tenant's users reach the panel, for links in e-mail: its verified custom domain when it
 * has one, else its subdomain. Never the request's Host header: anyone can send any Host, and in
 * standalone mode every host reaches the tenant, so a forged one would mail a reset token to a
 * site of the sender's choosing.
 */
export async function tenantPublicUrl(deps: PublicUrlDeps, tenant: { id: string; slug: string }): Promise<string> {
  const [row] = await deps.db
    .select({ domain: tenants.customDomain, verifiedAt: tenants.customDomainVerifiedAt })
    .from(tenants)
    .where(eq(tenants.id, tenant.id))
    .limit(1);
  if (row?.domain && row.verifiedAt) return origin(deps.config, row.domain);
  return workspaceUrl(deps, tenant.slug);
}

/** The apex (signup and the console), for links in the operators' e-mail. */
export function apexUrl(deps: Pick<PublicUrlDeps, "config">): string {
  return origin(deps.config, deps.config.BASE_DOMAIN);
}
