import {
  burnPasswordCheck,
  newTotpSecret,
  type TokenService,
  totpUri,
  verifyPassword,
  verifyTotp,
} from "@proxpanel/auth";
import { type Db, superAdmins } from "@proxpanel/db";
import { recordSuperAdminAudit } from "@proxpanel/tenancy";
import { eq, sql } from "drizzle-orm";
import { AppError, ErrorCode, unauthorized } from "../../errors.ts";
import type { LoginThrottle } from "../../middleware/rate-limit.ts";

interface Deps {
  db: Db;
  tokens: TokenService;
  throttle: LoginThrottle;
}

interface Meta {
  ip: string;
  requestId: string;
}

/** Password, then the TOTP code once the operator has enrolled. */
export async function superAdminLogin(
  deps: Deps,
  input: { email: string; password: string; totp?: string },
  meta: Meta,
) {
  const email = input.email.toLowerCase();
  const key = `superadmin:login:${email}`;
  await deps.throttle.assertAllowed(key, meta.ip);
  const admin = (
    await deps.db.select().from(superAdmins).where(sql`lower(${superAdmins.email}) = ${email}`).limit(1)
  )[0];
  const ok = admin ? await verifyPassword(admin.passwordHash, input.password) : await burnPasswordCheck(input.password);
  if (!admin || !ok) {
    await deps.throttle.failed(key, meta.ip);
    throw unauthorized("Wrong e-mail or password");
  }
  const enrolled = Boolean(admin.totpEnabledAt && admin.totpSecret);
  if (enrolled) {
    if (!input.totp) throw new AppError(401, ErrorCode.totpRequired, "Enter the code from your authenticator app.");
    if (!admin.totpSecret || !verifyTotp(admin.totpSecret, input.totp)) {
      await deps.throttle.failed(key, meta.ip);
      throw unauthorized("Wrong authenticator code");
    }
  }
  await deps.throttle.succeeded(key);
  await deps.db.transaction(async (tx) => {
    await tx.update(superAdmins).set({ lastLoginAt: new Date() }).where(eq(superAdmins.id, admin.id));
    await recordSuperAdminAudit(tx, { superAdminId: admin.id, label: admin.email, ...meta }, "superadmin.login", null, {
      mfa: enrolled,
    });
  });
  const token = await deps.tokens.signSuperAdmin({ sub: admin.id, sv: admin.sessionVersion, mfa: enrolled });
  return { token, totpEnrolled: enrolled, mustEnrolTotp: !enrolled };
}

/** Starts (or restarts) enrolment: a fresh secret that counts only once a code confirms it. */
export async function beginTotpEnrolment(deps: Pick<Deps, "db">, adminId: string) {
  const admin = (await deps.db.select().from(superAdmins).where(eq(superAdmins.id, adminId)).limit(1))[0];
  if (!admin) throw unauthorized();
  if (admin.totpEnabledAt) {
    throw new AppError(409, ErrorCode.conflict, "TOTP is already enrolled for this account.");
  }
  const secret = newTotpSecret();
  await deps.db
    .update(superAdmins)
    .set({ totpSecret: secret, updatedAt: new Date() })
    .where(eq(superAdmins.id, adminId));
  return { secret, otpauthUri: totpUri(secret, admin.email) };
}

/** Confirms enrolment with a code; older tokens (issued without TOTP) stop working. */
export async function confirmTotpEnrolment(
  deps: Pick<Deps, "db" | "tokens">,
  adminId: string,
  code: string,
  meta: Meta,
) {
  return deps.db.transaction(async (tx) => {
    const admin = (await tx.select().from(superAdmins).where(eq(superAdmins.id, adminId)).for("update").limit(1))[0];
    if (!admin?.totpSecret) throw new AppError(409, ErrorCode.conflict, "Start TOTP enrolment first.");
    if (admin.totpEnabledAt) throw new AppError(409, ErrorCode.conflict, "TOTP is already enrolled for this account.");
    if (!verifyTotp(admin.totpSecret, code)) throw new AppError(400, ErrorCode.validation, "Wrong authenticator code");
    const sv = admin.sessionVersion + 1;
    await tx
      .update(superAdmins)
      .set({ totpEnabledAt: new Date(), sessionVersion: sv, updatedAt: new Date() })
      .where(eq(superAdmins.id, adminId));
    await recordSuperAdminAudit(
      tx,
      { superAdminId: admin.id, label: admin.email, ...meta },
      "superadmin.totp_enrolled",
      null,
    );
    return { token: await deps.tokens.signSuperAdmin({ sub: admin.id, sv, mfa: true }) };
  });
}
