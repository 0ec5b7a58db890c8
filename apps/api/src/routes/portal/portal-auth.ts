import { timingSafeEqual } from "node:crypto";
import { burnPasswordCheck, type TokenService, unseal } from "@proxpanel/auth";
import { eq, sql } from "drizzle-orm";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { AppError, ErrorCode, unauthorized } from "../../errors.ts";
import type { LoginThrottle } from "../../middleware/rate-limit.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx, serviceCtx } from "../../services/context.ts";
import { sealContext } from "../subscribers/subscribers.ts";
import { type OtpState, startOtp, verifyOtp } from "./portal-otp.ts";
import { getPortalSettings, type PortalSettings } from "./preferences.ts";

/*
 * Subscribers sign in with their RADIUS username and password. That password is sealed, not
 * hashed, because CHAP and MS-CHAPv2 need it back; a second, argon2id-hashed portal password would
 * protect nothing more and would be one more secret for the subscriber to forget. It is compared
 * in constant time after unsealing, and a change in the portal changes the PPPoE password too.
 */

export function equalSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

type PortalAction = {
  [K in keyof PortalSettings]: PortalSettings[K] extends boolean ? K : never;
}[keyof PortalSettings];

export async function assertPortalOn(ctx: ServiceCtx, action?: Exclude<PortalAction, "enabled">) {
  const settings = await getPortalSettings(ctx);
  if (!settings.enabled) {
    throw new AppError(403, ErrorCode.portalDisabled, "The self-care portal is switched off for this provider.");
  }
  if (action && !settings[action]) {
    throw new AppError(403, ErrorCode.portalDisabled, "Your provider does not offer this in the self-care portal.");
  }
  return settings;
}

export async function portalLogin(
  deps: { tokens: TokenService; throttle: LoginThrottle; key: Buffer },
  { ctx, input }: { ctx: ServiceCtx; input: { username: string; password: string } },
) {
  const settings = await assertPortalOn(ctx);
  const { t } = ctx.tenant;
  const username = input.username.toLowerCase();
  const accountKey = `tenant_${ctx.tenant.id}:portal:${username}`;
  const ip = ctx.actor.ip ?? "unknown";
  await deps.throttle.assertAllowed(accountKey, ip);
  const [sub] = await ctx.db
    .select()
    .from(t.subscribers)
    .where(sql`lower(${t.subscribers.username}) = ${username}`)
    .limit(1);
  let ok = false;
  if (sub) {
    try {
      ok = equalSecret(unseal(deps.key, sub.passwordEnc, sealContext(sub.id)), input.password);
    } catch {
      ok = false; // a value sealed under another key (e.g. a foreign restore) opens nothing
    }
  } else {
    // Same work either way, so the answer's timing does not tell which usernames exist.
    await burnPasswordCheck(input.password);
  }
  if (!sub || !ok) {
    await deps.throttle.failed(accountKey, ip);
    throw unauthorized("Wrong username or password");
  }
  await deps.throttle.succeeded(accountKey);
  // With the phone code on, the password only earns a challenge; /auth/otp finishes the sign-in.
  if (settings.phoneOtp === "on") return startOtp(deps, ctx, sub);
  return issuePortalSession(deps, ctx, sub);
}

/** The second step: the code from the SMS against its challenge, then the portal token. */
export async function portalOtpLogin(
  deps: { tokens: TokenService; throttle: LoginThrottle; key: Buffer; otp: OtpState },
  { ctx, input }: { ctx: ServiceCtx; input: { challengeId: string; code: string } },
) {
  await assertPortalOn(ctx);
  const sub = await verifyOtp(deps, { ctx, input });
  return issuePortalSession(deps, ctx, sub);
}

/** Audits the sign-in and signs the portal token, at the subscriber's current session version. */
export async function issuePortalSession(
  deps: { tokens: TokenService },
  ctx: ServiceCtx,
  sub: { id: string; username: string; portalSessionVersion: number },
) {
  await inTransaction(ctx, async (tx) => {
    await writeAudit(
      { ...tx, actor: { ...tx.actor, subscriberId: sub.id, label: `subscriber:${sub.username}` } },
      { action: "portal.login", entityType: "subscriber", entityId: sub.id },
    );
  });
  const token = await deps.tokens.signPortal({ sub: sub.id, tenantId: ctx.tenant.id, sv: sub.portalSessionVersion });
  return { token, subscriber: { id: sub.id, username: sub.username } };
}

function bearer(c: Context<AppEnv>): string {
  const match = /^Bearer\s+([A-Za-z0-9._~+/=-]+)$/i.exec(c.req.header("authorization") ?? "");
  if (!match?.[1]) throw unauthorized();
  return match[1];
}

/**
 * Portal realm: a portal token (audience "portal"; admin tokens fail here, and portal tokens fail
 * on every admin route), for this host's tenant, at the subscriber's current session version.
 */
export function requirePortalAuth(deps: AppDeps) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const claims = await deps.tokens.verifyPortal(bearer(c)).catch((err: unknown) => {
      if (err instanceof Error && "reason" in err && err.reason === "expired") {
        throw new AppError(401, ErrorCode.tokenExpired, "Your session has expired; sign in again.");
      }
      throw unauthorized("Invalid or expired token");
    });
    const tenant = c.get("tenant");
    if (claims.tenantId !== tenant.id) throw unauthorized("This token is not valid for this provider");
    const s = tenant.t.subscribers;
    const [sub] = await tenant.db
      .select({ id: s.id, username: s.username, sv: s.portalSessionVersion })
      .from(s)
      .where(eq(s.id, claims.sub))
      .limit(1);
    if (!sub || sub.sv !== claims.sv) throw unauthorized("Your session is no longer valid; sign in again.");
    c.set("portal", { realm: "portal", subscriberId: sub.id, username: sub.username });
    await next();
  });
}

/** The signed-in subscriber as a service actor: it reaches nothing but itself. */
export function portalCtx(c: Context<AppEnv>): ServiceCtx & { subscriberId: string } {
  const base = serviceCtx(c);
  const p = c.get("portal");
  return {
    ...base,
    subscriberId: p.subscriberId,
    actor: {
      ...base.actor,
      userId: null,
      resellerId: null,
      permissions: [],
      label: `subscriber:${p.username}`,
      subscriberId: p.subscriberId,
    },
  };
}

/** Ends every portal session of the subscriber (sign-out, password change). */
export async function bumpPortalSession(ctx: ServiceCtx, subscriberId: string) {
  const s = ctx.tenant.t.subscribers;
  await ctx.db
    .update(s)
    .set({ portalSessionVersion: sql`${s.portalSessionVersion} + 1` })
    .where(eq(s.id, subscriberId));
}
