import { hasPermission, type Permission, TokenError } from "@proxpanel/auth";
import { superAdmins } from "@proxpanel/db";
import type { Actor } from "@proxpanel/tenancy";
import { eq } from "drizzle-orm";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppDeps } from "../deps.ts";
import type { AppEnv } from "../env.ts";
import { AppError, ErrorCode, forbidden, unauthorized } from "../errors.ts";

function bearer(c: Context<AppEnv>): string {
  const header = c.req.header("authorization") ?? "";
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(header);
  if (!match?.[1]) throw unauthorized();
  return match[1];
}

function tokenFailure(err: unknown): never {
  if (err instanceof TokenError && err.reason === "expired") {
    throw new AppError(401, ErrorCode.tokenExpired, "Your session has expired; sign in again.");
  }
  throw unauthorized("Invalid or expired token");
}

/**
 * Tenant realm: a valid signature is not enough; the token must name the tenant this host
 * resolved to and carry the user's current session version.
 */
export function requireTenantAuth(deps: AppDeps) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = bearer(c);
    const claims = await deps.tokens.verifyTenant(token).catch(tokenFailure);
    const tenant = c.get("tenant");
    if (claims.tenantId !== tenant.id) throw unauthorized("This token is not valid for this workspace");
    const user = await deps.principals.get(tenant.id, tenant, claims.sub);
    if (user?.status !== "active" || user.sessionVersion !== claims.sv) {
      throw unauthorized("Your session is no longer valid; sign in again.");
    }
    c.set("auth", {
      realm: "tenant",
      userId: user.id,
      email: user.email,
      isOwner: user.isOwner,
      permissions: user.permissions,
      resellerId: user.resellerId,
    });
    await next();
  });
}

export function requirePermission(permission: Permission) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const auth = c.get("auth");
    // Owners hold "*" through their group; restricted names still need an explicit grant.
    if (!hasPermission(auth.permissions, permission)) {
      throw forbidden(`Missing permission ${permission}`);
    }
    await next();
  });
}

/**
 * Super-admin realm, separate key. When TOTP is mandatory, a token from a login without a code
 * reaches only the enrolment endpoints.
 */
export function requireSuperAdmin(deps: AppDeps, opts: { allowWithoutMfa?: boolean } = {}) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const claims = await deps.tokens.verifySuperAdmin(bearer(c)).catch(tokenFailure);
    const admin = (await deps.db.select().from(superAdmins).where(eq(superAdmins.id, claims.sub)).limit(1))[0];
    if (!admin || admin.sessionVersion !== claims.sv) throw unauthorized("Your session is no longer valid");
    if (!opts.allowWithoutMfa && !claims.mfa && (admin.totpEnabledAt || deps.config.SUPERADMIN_REQUIRE_TOTP)) {
      throw new AppError(401, ErrorCode.totpRequired, "Enrol and confirm TOTP before using the console.");
    }
    c.set("superAdmin", { realm: "superadmin", superAdminId: admin.id, email: admin.email, mfa: claims.mfa });
    await next();
  });
}

/** The signed-in super-admin as the audit log records an actor (after `requireSuperAdmin`). */
export function superAdminActor(c: Context<AppEnv>): Actor {
  const sa = c.get("superAdmin");
  return { superAdminId: sa.superAdminId, label: sa.email, ip: c.get("clientIp"), requestId: c.get("requestId") };
}
