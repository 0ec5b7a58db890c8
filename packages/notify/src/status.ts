import type { TenantTables } from "@proxpanel/db";
import { and, eq } from "drizzle-orm";
import { verifyTwilioSignature } from "./adapters/twilio.ts";
import type { TenantExecutor } from "./enqueue.ts";
import { loadSmsSettings } from "./sms-settings.ts";

export type StatusOutcome = "recorded" | "ignored" | "bad_signature" | "not_found";

const DELIVERED = new Set(["delivered", "read"]);
const FAILED = new Set(["undelivered", "failed", "canceled"]);

/**
 * A Twilio status callback for one outbox row. Checked with the tenant's own AuthToken against the
 * exact URL Twilio posted to; only the row that holds the callback's MessageSid changes, and a
 * final state (delivered, failed) is never overwritten by a late or replayed intermediate one.
 */
export async function recordTwilioStatus(
  db: TenantExecutor,
  t: TenantTables,
  key: Buffer,
  input: { outboxId: number; url: string; params: Record<string, string>; signature: string | undefined },
): Promise<StatusOutcome> {
  const settings = await loadSmsSettings(db, t, key);
  if (settings?.config.provider !== "twilio") return "bad_signature";
  if (!verifyTwilioSignature(settings.config.config.authToken, input.url, input.params, input.signature)) {
    return "bad_signature";
  }
  const sid = input.params.MessageSid ?? input.params.SmsSid;
  const status = (input.params.MessageStatus ?? input.params.SmsStatus ?? "").toLowerCase();
  if (!sid || !status) return "ignored";
  const o = t.notificationOutbox;
  const row = (
    await db
      .select({ id: o.id, status: o.status })
      .from(o)
      .where(and(eq(o.id, input.outboxId), eq(o.providerMessageId, sid)))
      .limit(1)
  )[0];
  if (!row) return "not_found";
  if (row.status !== "sent") return "ignored";
  const where = and(eq(o.id, row.id), eq(o.status, "sent"));
  if (DELIVERED.has(status)) {
    await db.update(o).set({ status: "delivered", providerStatus: status, deliveredAt: new Date() }).where(where);
  } else if (FAILED.has(status)) {
    const code = input.params.ErrorCode ? ` (error ${input.params.ErrorCode})` : "";
    await db
      .update(o)
      .set({ status: "failed", providerStatus: status, lastError: `Twilio reported ${status}${code}` })
      .where(where);
  } else {
    await db.update(o).set({ providerStatus: status }).where(where);
  }
  return "recorded";
}
