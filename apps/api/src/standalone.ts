import { tenants } from "@proxpanel/db";
import { onboardTenant, SYSTEM_ACTOR } from "@proxpanel/tenancy";
import { eq } from "drizzle-orm";
import type { AppDeps } from "./deps.ts";

/** Outside production a first standalone start may use this; production requires its own. */
export const STANDALONE_DEFAULT_PASSWORD = "standalone-password-1";

export interface StandaloneTenantInput {
  slug: string;
  companyName: string;
  adminEmail: string;
  adminPassword: string;
}

/**
 * The one tenant of a standalone install: found by slug, or created through the same onboarding
 * path as a SaaS signup (a tenant loaded from an exported SQL dump is simply found).
 */
export async function ensureStandaloneTenant(
  deps: Pick<AppDeps, "db" | "resolver">,
  input: StandaloneTenantInput,
): Promise<{ id: string; created: boolean }> {
  const [found] = await deps.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, input.slug)).limit(1);
  if (found) return { id: found.id, created: false };
  const tenant = await onboardTenant(
    { db: deps.db, resolver: deps.resolver },
    { ...input, plan: "starter", adminName: "Owner" },
    SYSTEM_ACTOR,
  );
  return { id: tenant.id, created: true };
}

/**
 * Standalone start-up: the tenant exists, then every host resolves to it. This is the only place
 * the mode acts; handlers and services are the same code in both modes.
 */
export async function startStandalone(deps: AppDeps): Promise<{ slug: string; created: boolean; password?: string }> {
  const c = deps.config;
  const password = c.STANDALONE_ADMIN_PASSWORD ?? STANDALONE_DEFAULT_PASSWORD;
  const { created } = await ensureStandaloneTenant(deps, {
    slug: c.STANDALONE_TENANT_SLUG,
    companyName: c.STANDALONE_COMPANY_NAME,
    adminEmail: c.STANDALONE_ADMIN_EMAIL,
    adminPassword: password,
  });
  deps.resolver.pinStandalone(c.STANDALONE_TENANT_SLUG);
  return { slug: c.STANDALONE_TENANT_SLUG, created, ...(created ? { password } : {}) };
}
