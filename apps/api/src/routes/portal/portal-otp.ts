import { createHash, randomInt, randomUUID, timingSafeEqual } from "node:crypto";
import { seal, unseal } from "@proxpanel/auth";
import { companyAndTimezone, enqueueDirectSms } from "@proxpanel/notify";
import type { SharedState } from "@proxpanel/tenancy";
import { eq } from "drizzle-orm";
import type { RateLimiterAbstract } from "rate-limiter-flexible";
import { z } from "zod";
import { AppError, ErrorCode } from "../../errors.ts";
import type { LoginThrottle } from "../../middleware/rate-limit.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";

/*
 * The phone one-time code after a correct password. The challenge is carried by the client, not
 * stored: `challengeId` is the subscriber id, session version, expiry and the sha256 of the code,
 * sealed (AES-256-GCM) under the tenant's key and bound to the tenant, so it cannot be read, forged
 * or replayed on another tenant. What must be shared between API instances, the failed attempts
 * and the "already used" mark, lives in shared state (Redis) with the challenge's lifetime, since
 * SharedState offers counters with expiry but no plain key-value store.
 */

export const OTP_TTL_SECONDS = 5 * 60;
export const OTP_MAX_ATTEMPTS = 5;
const OTP_EVENT = "portal_otp";

const challengeClaims = z.object({
  sub: z.string(),
  sv: z.number().int(),
  jti: z.string(),
  exp: z.number(),
  h: z.string(),
});

export interface OtpState {
  attempts: RateLimiterAbstract;
  used: RateLimiterAbstract;
}

export function otpState(state: SharedState): OtpState {
  return {
    attempts: state.rateLimiter({ points: OTP_MAX_ATTEMPTS, duration: OTP_TTL_SECONDS }),
    used: state.rateLimiter({ points: 1, duration: OTP_TTL_SECONDS }),
  };
}

const sealContext = (tenantId: string) => `portal-otp:${tenantId}`;
const codeHash = (jti: string, code: string) => createHash("sha256").update(`${jti}:${code}`).digest();

const noPhone = () =>
  new AppError(
    403,
    ErrorCode.otpNoPhone,
    "Your provider asks for a code sent to your phone, but your account has no phone number; ask your provider to add one.",
  );
const invalid = (message = "Wrong or expired code.") => new AppError(401, ErrorCode.otpInvalid, message);

/** Last digits only, so the page can say where the code went without showing the number. */
function phoneHint(phone: string): string {
  const digits = phone.replace(/\D/g, "");
  return `••• ${digits.slice(-2)}`;
}

/**
 * Queues a fresh 6-digit code to the subscriber's phone (in the same transaction as its audit
 * entry) and answers the sealed challenge the code is checked against.
 */
export async function startOtp(
  deps: { key: Buffer },
  ctx: ServiceCtx,
  sub: { id: string; username: string; phone: string | null; portalSessionVersion: number },
) {
  const phone = sub.phone?.trim();
  if (!phone) throw noPhone();
  const code = String(randomInt(0, 1_000_000)).padStart(6, "0");
  const jti = randomUUID();
  const claims = { sub: sub.id, sv: sub.portalSessionVersion, jti, exp: Date.now() + OTP_TTL_SECONDS * 1000 };
  const challengeId = seal(
    deps.key,
    JSON.stringify({ ...claims, h: codeHash(jti, code).toString("base64url") }),
    sealContext(ctx.tenant.id),
  );
  await inTransaction(ctx, async (tx) => {
    const { companyName } = await companyAndTimezone({ db: tx.db, t: tx.tenant.t, slug: tx.tenant.slug });
    await enqueueDirectSms(
      { db: tx.db, t: tx.tenant.t, slug: tx.tenant.slug },
      {
        subscriberId: sub.id,
        event: OTP_EVENT,
        to: phone,
        body: `${code} is your ${companyName} sign-in code. It expires in 5 minutes.`,
        dedupeKey: `otp:${jti}`,
      },
    );
    await writeAudit(
      { ...tx, actor: { ...tx.actor, subscriberId: sub.id, label: `subscriber:${sub.username}` } },
      { action: "portal.otp_sent", entityType: "subscriber", entityId: sub.id },
    );
  });
  return { otpRequired: true as const, challengeId, phoneHint: phoneHint(phone), expiresIn: OTP_TTL_SECONDS };
}

async function consumed(limiter: RateLimiterAbstract, key: string): Promise<number> {
  return (await limiter.get(key))?.consumedPoints ?? 0;
}

/**
 * Checks a code against its challenge: at most OTP_MAX_ATTEMPTS tries, within its lifetime, once.
 * Wrong codes also count against the account's and the address's sign-in throttle. Returns the
 * subscriber to sign in.
 */
export async function verifyOtp(
  deps: { key: Buffer; throttle: LoginThrottle; otp: OtpState },
  { ctx, input }: { ctx: ServiceCtx; input: { challengeId: string; code: string } },
) {
  let claims: z.infer<typeof challengeClaims>;
  try {
    claims = challengeClaims.parse(JSON.parse(unseal(deps.key, input.challengeId, sealContext(ctx.tenant.id))));
  } catch {
    // Another tenant's challenge, a tampered one or garbage: none opens under this tenant's key.
    throw invalid("This sign-in code request is not valid here; sign in again.");
  }
  if (claims.exp <= Date.now()) throw invalid("This code has expired; sign in again for a new one.");
  const s = ctx.tenant.t.subscribers;
  const [sub] = await ctx.db.select().from(s).where(eq(s.id, claims.sub)).limit(1);
  if (!sub || sub.portalSessionVersion !== claims.sv) throw invalid("This code is no longer valid; sign in again.");
  const accountKey = `tenant_${ctx.tenant.id}:portal:${sub.username.toLowerCase()}`;
  const ip = ctx.actor.ip ?? "unknown";
  await deps.throttle.assertAllowed(accountKey, ip);
  const attemptsKey = `portal_otp_attempts:${ctx.tenant.id}:${claims.jti}`;
  const usedKey = `portal_otp_used:${ctx.tenant.id}:${claims.jti}`;
  if ((await consumed(deps.otp.used, usedKey)) > 0) throw invalid("This code was already used; sign in again.");
  if ((await consumed(deps.otp.attempts, attemptsKey)) >= OTP_MAX_ATTEMPTS) {
    throw invalid("Too many wrong codes; sign in again for a new one.");
  }
  const expected = Buffer.from(claims.h, "base64url");
  const given = codeHash(claims.jti, input.code);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    await deps.otp.attempts.consume(attemptsKey).catch(() => undefined);
    await deps.throttle.failed(accountKey, ip);
    throw invalid();
  }
  // The one atomic step: of two requests racing with the right code, only one gets a token.
  try {
    await deps.otp.used.consume(usedKey);
  } catch {
    throw invalid("This code was already used; sign in again.");
  }
  await deps.throttle.succeeded(accountKey);
  return sub;
}
