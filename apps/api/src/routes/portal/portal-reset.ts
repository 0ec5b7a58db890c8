import { seal } from "@proxpanel/auth";
import { enqueueMail } from "@proxpanel/mail";
import { eq, sql } from "drizzle-orm";
import { AppError, ErrorCode } from "../../errors.ts";
import { writeAudit } from "../../services/audit.ts";
import type { ServiceCtx } from "../../services/context.ts";
import { passwordResetMail } from "../../services/mail-templates.ts";
import { tenantPublicUrl } from "../../services/public-url.ts";
import { claimResetToken, issueResetToken, type ResetDeps } from "../auth/password-reset-service.ts";
import { sealContext } from "../subscribers/subscribers.ts";
import { assertPortalOn } from "./portal-auth.ts";

/** Several subscribers may share one address (a family, a landlord): each gets its own link. */
const MAX_ACCOUNTS_PER_ADDRESS = 5;

/**
 * Mails a reset link to every subscriber with this e-mail address. The caller answers the same
 * either way, so the endpoint does not tell which addresses are known.
 */
export async function requestPortalReset(
  deps: Omit<ResetDeps, "principals" | "limiters">,
  { ctx, input }: { ctx: ServiceCtx; input: { email: string } },
) {
  const settings = await assertPortalOn(ctx);
  if (!settings.allowPasswordChange) return;
  const s = ctx.tenant.t.subscribers;
  const subs = await ctx.db
    .select({ id: s.id, username: s.username, email: s.email })
    .from(s)
    .where(sql`lower(${s.email}) = ${input.email.toLowerCase()}`)
    .limit(MAX_ACCOUNTS_PER_ADDRESS);
  if (!subs.length) return;
  const base = await tenantPublicUrl(deps, ctx.tenant);
  await deps.db.transaction(async (tx) => {
    for (const sub of subs) {
      const token = await issueResetToken(tx, {
        tenantId: ctx.tenant.id,
        userId: sub.id,
        ttlMinutes: deps.ttlMinutes,
        subject: "subscriber",
      });
      const mail = passwordResetMail({
        to: sub.email ?? input.email,
        link: `${base}/portal/reset-password?token=${token}`,
        ttlMinutes: deps.ttlMinutes,
        tenantId: ctx.tenant.id,
      });
      await enqueueMail(tx, { ...mail, body: `Account: ${sub.username}\n\n${mail.body}` });
    }
  });
}

/**
 * Spends a subscriber's token and sets the new password (also the PPPoE one) in one transaction;
 * every portal session of the subscriber ends.
 */
export async function resetPortalPassword(
  deps: { key: Buffer },
  { ctx, input }: { ctx: ServiceCtx; input: { token: string; password: string } },
) {
  await assertPortalOn(ctx, "allowPasswordChange");
  const s = ctx.tenant.t.subscribers;
  const invalid = () =>
    new AppError(400, ErrorCode.resetTokenInvalid, "This reset link is invalid, used or expired; ask for a new one.");
  return ctx.tenant.db.transaction(async (tx) => {
    const id = await claimResetToken(tx, { token: input.token, tenantId: ctx.tenant.id, subject: "subscriber" });
    if (!id) throw invalid();
    const [sub] = await tx
      .update(s)
      .set({
        passwordEnc: seal(deps.key, input.password, sealContext(id)),
        portalSessionVersion: sql`${s.portalSessionVersion} + 1`,
        updatedAt: new Date(),
      })
      .where(eq(s.id, id))
      .returning({ id: s.id, username: s.username });
    if (!sub) throw invalid();
    await writeAudit(
      { ...ctx, db: tx, actor: { ...ctx.actor, subscriberId: sub.id, label: `subscriber:${sub.username}` } },
      { action: "portal.password_reset", entityType: "subscriber", entityId: sub.id },
    );
    return sub;
  });
}
