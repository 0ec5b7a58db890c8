import { burnPasswordCheck, type TokenService, verifyPassword } from "@proxpanel/auth";
import { eq, sql } from "drizzle-orm";
import type { PrincipalCache } from "../../auth/principals.ts";
import { unauthorized } from "../../errors.ts";
import type { LoginThrottle } from "../../middleware/rate-limit.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";

export interface LoginDeps {
  tokens: TokenService;
  throttle: LoginThrottle;
}

export async function tenantLogin(
  deps: LoginDeps,
  { ctx, input }: { ctx: ServiceCtx; input: { email: string; password: string } },
) {
  const { t } = ctx.tenant;
  const email = input.email.toLowerCase();
  const accountKey = `tenant_${ctx.tenant.id}:login:${email}`;
  const ip = ctx.actor.ip ?? "unknown";
  await deps.throttle.assertAllowed(accountKey, ip);
  const user = (await ctx.db.select().from(t.users).where(sql`lower(${t.users.email}) = ${email}`).limit(1))[0];
  const ok = user ? await verifyPassword(user.passwordHash, input.password) : await burnPasswordCheck(input.password);
  if (!user || !ok || user.status !== "active") {
    await deps.throttle.failed(accountKey, ip);
    throw unauthorized("Wrong e-mail or password");
  }
  await deps.throttle.succeeded(accountKey);
  await inTransaction(ctx, async (tx) => {
    await tx.db.update(t.users).set({ lastLoginAt: new Date() }).where(eq(t.users.id, user.id));
    await writeAudit(
      { ...tx, actor: { ...tx.actor, userId: user.id, label: user.email } },
      {
        action: "auth.login",
        entityType: "user",
        entityId: user.id,
      },
    );
  });
  const token = await deps.tokens.signTenant({ sub: user.id, tenantId: ctx.tenant.id, sv: user.sessionVersion });
  return { token, user: { id: user.id, email: user.email, name: user.name, isOwner: user.isOwner } };
}

/** One increment invalidates every token the user holds, on every instance. */
export async function logoutEverywhere(
  deps: { principals: PrincipalCache },
  { ctx, input }: { ctx: ServiceCtx; input: { userId: string } },
) {
  const { t } = ctx.tenant;
  await inTransaction(ctx, async (tx) => {
    await tx.db
      .update(t.users)
      .set({ sessionVersion: sql`${t.users.sessionVersion} + 1`, updatedAt: new Date() })
      .where(eq(t.users.id, input.userId));
    await writeAudit(tx, { action: "auth.logout_all", entityType: "user", entityId: input.userId });
  });
  await deps.principals.invalidate(ctx.tenant.id, input.userId);
}

/**
 * Exchanges the handoff token a new workspace's signup issued (on the apex) for a session on the
 * workspace's own host. Only for this tenant, only for an active user whose sessions were not
 * revoked since, and only for two minutes.
 */
export async function exchangeHandoff(
  deps: { tokens: TokenService },
  { ctx, input }: { ctx: ServiceCtx; input: { token: string } },
) {
  const { t } = ctx.tenant;
  const expired = unauthorized("This sign-in link has expired; sign in with your e-mail and password.");
  const claims = await deps.tokens.verifyHandoff(input.token).catch(() => {
    throw expired;
  });
  if (claims.tenantId !== ctx.tenant.id) throw expired;
  const [user] = await ctx.db.select().from(t.users).where(eq(t.users.id, claims.sub)).limit(1);
  if (user?.status !== "active" || user.sessionVersion !== claims.sv) throw expired;
  await inTransaction(ctx, async (tx) => {
    await tx.db.update(t.users).set({ lastLoginAt: new Date() }).where(eq(t.users.id, user.id));
    await writeAudit(
      { ...tx, actor: { ...tx.actor, userId: user.id, label: user.email } },
      { action: "auth.login", entityType: "user", entityId: user.id, details: { via: "signup" } },
    );
  });
  const token = await deps.tokens.signTenant({ sub: user.id, tenantId: ctx.tenant.id, sv: user.sessionVersion });
  return { token, user: { id: user.id, email: user.email, name: user.name, isOwner: user.isOwner } };
}
