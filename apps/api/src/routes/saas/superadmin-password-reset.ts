import { randomBytes } from "node:crypto";
import { hashPassword } from "@proxpanel/auth";
import { type Db, passwordResetTokens, superAdmins } from "@proxpanel/db";
import { enqueueMail } from "@proxpanel/mail";
import { type Actor, recordSuperAdminAudit } from "@proxpanel/tenancy";
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { AppError, ErrorCode } from "../../errors.ts";
import { passwordResetMail } from "../../services/mail-templates.ts";
import { apexUrl, type PublicUrlDeps } from "../../services/public-url.ts";
import { hashResetToken } from "../auth/password-reset-service.ts";

export interface SuperAdminResetDeps extends Pick<PublicUrlDeps, "config"> {
  db: Db;
  ttlMinutes: number;
}

/**
 * The console's "forgot password": mails a one-time link to an operator's address, answered the
 * same whether or not it exists. Only the digest is stored, in the same table as tenant tokens
 * but with no tenant, so a tenant host can never spend it (nor the console a tenant's).
 */
export async function requestSuperAdminReset(deps: SuperAdminResetDeps, input: { email: string }): Promise<void> {
  const [admin] = await deps.db
    .select({ id: superAdmins.id, email: superAdmins.email })
    .from(superAdmins)
    .where(sql`lower(${superAdmins.email}) = ${input.email.toLowerCase()}`)
    .limit(1);
  if (!admin) return;
  const token = randomBytes(32).toString("base64url");
  const link = `${apexUrl(deps)}/console/reset-password?token=${token}`;
  await deps.db.transaction(async (tx) => {
    await tx
      .update(passwordResetTokens)
      .set({ usedAt: new Date() })
      .where(
        and(
          isNull(passwordResetTokens.tenantId),
          eq(passwordResetTokens.userId, admin.id),
          isNull(passwordResetTokens.usedAt),
        ),
      );
    await tx.insert(passwordResetTokens).values({
      tenantId: null,
      userId: admin.id,
      tokenHash: hashResetToken(token),
      expiresAt: new Date(Date.now() + deps.ttlMinutes * 60_000),
    });
    await enqueueMail(tx, passwordResetMail({ to: admin.email, link, ttlMinutes: deps.ttlMinutes, tenantId: null }));
  });
}

/**
 * Spends a console token and sets the operator's password; every session signed before it ends
 * (session version). TOTP, when enrolled, is still asked at the next sign-in.
 */
export async function resetSuperAdminPassword(
  deps: SuperAdminResetDeps,
  input: { token: string; password: string },
  actor: Actor,
): Promise<void> {
  const passwordHash = await hashPassword(input.password);
  const invalid = () =>
    new AppError(400, ErrorCode.resetTokenInvalid, "This reset link is invalid, used or expired; ask for a new one.");
  await deps.db.transaction(async (tx) => {
    const [claimed] = await tx
      .update(passwordResetTokens)
      .set({ usedAt: new Date() })
      .where(
        and(
          eq(passwordResetTokens.tokenHash, hashResetToken(input.token)),
          isNull(passwordResetTokens.tenantId),
          isNull(passwordResetTokens.usedAt),
          gt(passwordResetTokens.expiresAt, new Date()),
        ),
      )
      .returning({ userId: passwordResetTokens.userId });
    if (!claimed) throw invalid();
    const [admin] = await tx
      .update(superAdmins)
      .set({ passwordHash, sessionVersion: sql`${superAdmins.sessionVersion} + 1`, updatedAt: new Date() })
      .where(eq(superAdmins.id, claimed.userId))
      .returning({ id: superAdmins.id, email: superAdmins.email });
    if (!admin) throw invalid();
    await recordSuperAdminAudit(
      tx,
      { ...actor, superAdminId: admin.id, label: admin.email },
      "superadmin.password_reset",
      null,
    );
  });
}
