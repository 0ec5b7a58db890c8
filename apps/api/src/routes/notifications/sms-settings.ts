import {
  DEFAULT_EXPIRY_DAYS,
  DeliveryError,
  EXPIRY_DAYS_KEY,
  expiryReminderDays,
  loadSmsSettings,
  publicInfo,
  type SmsSettingsInput,
  sealSmsConfig,
  smsAdapterFor,
} from "@proxpanel/notify";
import { eq } from "drizzle-orm";
import type { AppDeps } from "../../deps.ts";
import { AppError, ErrorCode } from "../../errors.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";

/** The stored gateway as the panel sees it: provider, sender, switch, and the non-secret summary. */
export async function getSmsSettings({ ctx }: { ctx: ServiceCtx }) {
  const s = ctx.tenant.t.smsSettings;
  const row = (await ctx.db.select().from(s).where(eq(s.id, 1)).limit(1))[0];
  if (!row) return null;
  return {
    provider: row.provider,
    enabled: row.enabled,
    sender: row.sender,
    publicInfo: row.publicInfo,
    updatedAt: row.updatedAt,
  };
}

/** Replaces the gateway as a whole: credentials are never read back, so they are re-entered. */
export async function putSmsSettings({ ctx, key, input }: { ctx: ServiceCtx; key: Buffer; input: SmsSettingsInput }) {
  const s = ctx.tenant.t.smsSettings;
  const values = {
    provider: input.provider,
    enabled: input.enabled,
    sender: input.sender,
    configSealed: sealSmsConfig(key, input),
    publicInfo: publicInfo(input),
    updatedAt: new Date(),
  };
  await inTransaction(ctx, async (tx) => {
    const before = await getSmsSettings({ ctx: tx });
    await tx.db
      .insert(s)
      .values({ id: 1, ...values })
      .onConflictDoUpdate({ target: s.id, set: values });
    // Only the public parts: an audit entry must not become a copy of the credentials.
    await writeAudit(tx, {
      action: "sms_settings.update",
      entityType: "sms_settings",
      entityId: null,
      details: { before, after: await getSmsSettings({ ctx: tx }) },
    });
  });
  return getSmsSettings({ ctx });
}

export async function patchSmsSettings({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { enabled?: boolean | undefined; sender?: string | undefined };
}) {
  const s = ctx.tenant.t.smsSettings;
  await inTransaction(ctx, async (tx) => {
    const before = await getSmsSettings({ ctx: tx });
    if (!before) throw new AppError(409, ErrorCode.smsNotConfigured, "No SMS gateway is set up yet.");
    await tx.db
      .update(s)
      .set({ ...input, updatedAt: new Date() })
      .where(eq(s.id, 1));
    await writeAudit(tx, {
      action: "sms_settings.update",
      entityType: "sms_settings",
      entityId: null,
      details: { before, after: await getSmsSettings({ ctx: tx }) },
    });
  });
  return getSmsSettings({ ctx });
}

export async function deleteSmsSettings({ ctx }: { ctx: ServiceCtx }) {
  const s = ctx.tenant.t.smsSettings;
  await inTransaction(ctx, async (tx) => {
    const before = await getSmsSettings({ ctx: tx });
    if (!before) return;
    await tx.db.delete(s).where(eq(s.id, 1));
    await writeAudit(tx, {
      action: "sms_settings.delete",
      entityType: "sms_settings",
      entityId: null,
      details: { before },
    });
  });
}

/**
 * Sends one message now through the stored gateway, outside the outbox: the operator sees the
 * gateway's answer at once. Audited, since it spends the tenant's credit.
 */
export async function sendTestSms({
  ctx,
  deps,
  key,
  input,
}: {
  ctx: ServiceCtx;
  deps: Pick<AppDeps, "config">;
  key: Buffer;
  input: { to: string; body: string };
}) {
  const settings = await loadSmsSettings(ctx.db, ctx.tenant.t, key);
  if (!settings) throw new AppError(409, ErrorCode.smsNotConfigured, "No SMS gateway is set up yet.");
  const adapter = smsAdapterFor(settings, {
    twilioApiBase: deps.config.TWILIO_API_BASE,
    allowPrivateGateways: deps.config.SMS_GATEWAY_ALLOW_PRIVATE,
    // No outbox row to report on: no status callback for a test.
    callbackOrigin: null,
  });
  let result: Awaited<ReturnType<typeof adapter.send>>;
  try {
    result = await adapter.send({ outboxId: 0, channel: "sms", to: input.to, subject: "", body: input.body });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    await writeAudit(ctx, {
      action: "sms_settings.test",
      entityType: "sms_settings",
      entityId: null,
      details: { to: input.to, ok: false, error: message },
    });
    throw new AppError(502, ErrorCode.smsGatewayError, `The gateway did not accept the message: ${message}`, {
      permanent: err instanceof DeliveryError && err.permanent,
    });
  }
  await writeAudit(ctx, {
    action: "sms_settings.test",
    entityType: "sms_settings",
    entityId: null,
    details: { to: input.to, ok: true, providerMessageId: result?.providerMessageId ?? null },
  });
  return { sent: true, providerMessageId: result?.providerMessageId ?? null };
}

export async function getNotificationSettings({ ctx }: { ctx: ServiceCtx }) {
  return { expiryReminderDays: await expiryReminderDays({ db: ctx.db, t: ctx.tenant.t }) };
}

export async function putNotificationSettings({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { expiryReminderDays: number };
}) {
  const sp = ctx.tenant.t.systemPreferences;
  return inTransaction(ctx, async (tx) => {
    const before = await getNotificationSettings({ ctx: tx });
    await tx.db
      .insert(sp)
      .values({ key: EXPIRY_DAYS_KEY, value: input.expiryReminderDays })
      .onConflictDoUpdate({ target: sp.key, set: { value: input.expiryReminderDays, updatedAt: new Date() } });
    await writeAudit(tx, {
      action: "notification_settings.update",
      entityType: "system_preferences",
      entityId: null,
      details: { before, after: input },
    });
    return input;
  });
}

export { DEFAULT_EXPIRY_DAYS };
