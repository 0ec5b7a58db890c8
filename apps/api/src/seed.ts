import { hashPassword } from "@proxpanel/auth";
import { superAdmins, tenants } from "@proxpanel/db";
import { onboardTenant, SYSTEM_ACTOR } from "@proxpanel/tenancy";
import { count, eq } from "drizzle-orm";
import type { AppDeps } from "./deps.ts";

export const DEMO = {
  slug: "demo",
  email: "admin@demo.test",
  password: "demo-password-1",
  superAdminPassword: "superadmin-password-1",
};

/**
 * First start only: an operator account (from SUPERADMIN_EMAIL/PASSWORD, or demo values) and a
 * demo tenant. Later starts find them and change nothing.
 */
export async function seed(deps: AppDeps): Promise<{ superAdmin?: { email: string; password: string }; demo?: true }> {
  const result: { superAdmin?: { email: string; password: string }; demo?: true } = {};
  // A standalone install has no console and exactly one tenant (see standalone.ts).
  if (deps.config.PROXPANEL_MODE === "standalone") return result;
  const [existing] = await deps.db.select({ n: count() }).from(superAdmins);
  if (!existing?.n) {
    const password = deps.config.SUPERADMIN_PASSWORD ?? DEMO.superAdminPassword;
    await deps.db
      .insert(superAdmins)
      .values({ email: deps.config.SUPERADMIN_EMAIL, name: "Operator", passwordHash: await hashPassword(password) })
      .onConflictDoNothing();
    result.superAdmin = { email: deps.config.SUPERADMIN_EMAIL, password };
  }
  if (deps.config.SEED_DEMO) {
    const found = await deps.db.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, DEMO.slug)).limit(1);
    if (found.length === 0) {
      await onboardTenant(
        { db: deps.db, resolver: deps.resolver },
        {
          slug: DEMO.slug,
          companyName: "Demo ISP",
          plan: "starter",
          adminEmail: DEMO.email,
          adminPassword: DEMO.password,
          adminName: "Demo Admin",
        },
        SYSTEM_ACTOR,
      );
      result.demo = true;
    }
  }
  return result;
}
