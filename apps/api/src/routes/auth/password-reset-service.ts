import { createHash, randomBytes } from "node:crypto";
import { hashPassword } from "@proxpanel/auth";
import { type Db, type Executor, passwordResetTokens } from "@proxpanel/db";
import { enqueueMail } from "@proxpanel/mail";
import type { TenantResolver } from "@proxpanel/tenancy";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import type { PrincipalCache } from "../../auth/principals.ts";
import { AppError, ErrorCode } from "../../errors.ts";
import type { Limiters } from "../../limiters.ts";
import { writeAudit } from "../../services/audit.ts";
import type { ServiceCtx } from "../../services/context.ts";
import { passwordResetMail } from "../../services/mail-templates.ts";
import { type PublicUrlDeps, tenantPublicUrl } from "../../services/public-url.ts";

export interface ResetDeps extends PublicUrlDeps {
  db: Db;
  resolver: TenantResolver;
  principals: PrincipalCache;
  limiters: Limiters;
  ttlMinutes: number;
}

/** Only this digest is stored: a leaked table row cannot be turned back into a working link. */
export const hashResetToken = (token: string) => createHash("sha256").update(token).digest("hex");

export type ResetSubject = "user" | "subscriber";

/**
 * A tenant's users (tenantId) or the console's operators (null), staff or subscribers: each side
 * spends only its own.
 */
const ownerOf = (tenantId: string | null, subject: ResetSubject) =>
  and(
    tenantId === null ? isNull(passwordResetTokens.tenantId) : eq(passwordResetTokens.tenantId, tenantId),
    eq(passwordResetTokens.subject, subject),
  );

/**
 * Stores a new token's digest for one account, retiring its earlier links (only the newest one
 * works), and returns the token for the mail. Runs in the caller's transaction.
 */
export async function issueResetToken(
  tx: Pick<Executor, "update" | "insert">,
  input: { tenantId: string | null; userId: string; ttlMinutes: number; subject?: ResetSubject },
): Promise<string> {
  const subject = input.subject ?? "user";
  await tx
    .update(passwordResetTokens)
    .set({ usedAt: new Date() })
    .where(
      and(
        ownerOf(input.tenantId, subject),
        eq(passwordResetTokens.userId, input.userId),
        isNull(passwordResetTokens.usedAt),
      ),
    );
  const token = randomBytes(32).toString("base64url");
  await tx.insert(passwordResetTokens).values({
    tenantId: input.tenantId,
    userId: input.userId,
    subject,
    tokenHash: hashResetToken(token),
    expiresAt: new Date(Date.now() + input.ttlMinutes * 60_000),
  });
  return token;
}

/**
 * Spends a token of this side (tenant or console) with a conditional UPDATE, so two concurrent
 * uses cannot both succeed; returns the account it was for, or undefined when invalid, used or expired.
 */
export async function claimResetToken(
  tx: Pick<Executor, "update" | "insert">,
  input: { token: string; tenantId: string | null; subject?: ResetSubject },
): Promise<string | undefined> {
  const [claimed] = await tx
    .update(passwordResetTokens)
    .set({ usedAt: new Date() })
    .where(
      and(
        eq(passwordResetTokens.tokenHash, hashResetToken(input.token)),
        ownerOf(input.tenantId, input.subject ?? "user"),
        isNull(passwordResetTokens.usedAt),
        gt(passwordResetTokens.expiresAt, new Date()),
      ),
    )
    .returning({ userId: passwordResetTokens.userId });
  return claimed?.userId;
}

/**
 * Queues a reset link when an active user has this address. The caller answers the same either
 * way, so the endpoint does not tell who has an account.
 */
export async function requestPasswordReset(
  deps: ResetDeps,
  { ctx, input }: { ctx: ServiceCtx; input: { email: string } },
) {
  const { t } = ctx.tenant;
  const email = input.email.toLowerCase();
  const user = (
    await ctx.db
      .select({ id: t.users.id, email: t.users.email })
      .from(t.users)
      .where(and(sql`lower(${t.users.email}) = ${email}`, eq(t.users.status, "active")))
      .limit(1)
  )[0];
  if (!user) return;
  const base = await tenantPublicUrl(deps, ctx.tenant);
  await deps.db.transaction(async (tx) => {
    const token = await issueResetToken(tx, { tenantId: ctx.tenant.id, userId: user.id, ttlMinutes: deps.ttlMinutes });
    const link = `${base}/reset-password?token=${token}`;
    await enqueueMail(
      tx,
      passwordResetMail({ to: user.email, link, ttlMinutes: deps.ttlMinutes, tenantId: ctx.tenant.id }),
    );
  });
}

/**
 * Spends a token and sets the password in one tenant transaction. The token row is claimed with a
 * conditional UPDATE, so two concurrent uses cannot both succeed; the session version goes up, so
 * every token issued before the reset stops working.
 */
export async function resetPassword(
  deps: ResetDeps,
  { ctx, input }: { ctx: ServiceCtx; input: { token: string; password: string } },
) {
  const { t } = ctx.tenant;
  const passwordHash = await hashPassword(input.password);
  const invalid = () =>
    new AppError(400, ErrorCode.resetTokenInvalid, "This reset link is invalid, used or expired; ask for a new one.");
  const user = await ctx.tenant.db.transaction(async (tx) => {
    const userId = await claimResetToken(tx, { token: input.token, tenantId: ctx.tenant.id });
    if (!userId) throw invalid();
    const [updated] = await tx
      .update(t.users)
      .set({ passwordHash, sessionVersion: sql`${t.users.sessionVersion} + 1`, updatedAt: new Date() })
      .where(and(eq(t.users.id, userId), eq(t.users.status, "active")))
      .returning({ id: t.users.id, email: t.users.email });
    if (!updated) throw invalid();
    await writeAudit(
      { ...ctx, db: tx, actor: { ...ctx.actor, userId: updated.id, label: updated.email } },
      { action: "auth.password_reset", entityType: "user", entityId: updated.id },
    );
    return updated;
  });
  await deps.principals.invalidate(ctx.tenant.id, user.id);
  // Failed sign-ins before the reset no longer say anything about the new password.
  await deps.limiters.loginAccount.delete(`tenant_${ctx.tenant.id}:login:${user.email.toLowerCase()}`);
}
