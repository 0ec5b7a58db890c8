import { hashPassword } from "@proxpanel/auth";
import { type Db, superAdmins } from "@proxpanel/db";
import { enqueueMail } from "@proxpanel/mail";
import { type Actor, recordSuperAdminAudit } from "@proxpanel/tenancy";
import { eq, sql } from "drizzle-orm";
import { AppError, ErrorCode } from "../../errors.ts";
import { passwordResetMail } from "../../services/mail-templates.ts";
import { apexUrl, type PublicUrlDeps } from "../../services/public-url.ts";
import { claimResetToken, issueResetToken } from "../auth/password-reset-service.ts";

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
  await deps.db.transaction(async (tx) => {
    const token = await issueResetToken(tx, { tenantId: null, userId: admin.id, ttlMinutes: deps.ttlMinutes });
    const link = `${apexUrl(deps)}/console/reset-password?token=${token}`;
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
    const userId = await claimResetToken(tx, { token: input.token, tenantId: null });
    if (!userId) throw invalid();
    const [admin] = await tx
      .update(superAdmins)
      .set({ passwordHash, sessionVersion: sql`${superAdmins.sessionVersion} + 1`, updatedAt: new Date() })
      .where(eq(superAdmins.id, userId))
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
