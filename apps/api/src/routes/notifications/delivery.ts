import type { TenantDb, TenantTables } from "@proxpanel/db";
import { and, asc, eq } from "drizzle-orm";
import type { NotificationChannel } from "./template.ts";

/** One rendered message, as an adapter receives it. */
export interface OutboundMessage {
  /** notification_outbox.id; adapters may pass it on (e.g. as a header) to trace or de-duplicate. */
  outboxId: number;
  channel: NotificationChannel;
  to: string;
  subject: string;
  body: string;
}

/**
 * A way out for one channel. `send` resolves once the provider has accepted the message and
 * throws otherwise; the error's message is recorded as the row's last_error.
 */
export interface DeliveryAdapter {
  readonly channel: NotificationChannel;
  send(msg: OutboundMessage): Promise<void>;
}

export interface DeliveryOptions {
  /** Rows taken per call. */
  limit?: number;
  /** After this many failed attempts a row is marked failed and no longer retried. */
  maxAttempts?: number;
}

export interface DeliveryReport {
  sent: number;
  retrying: number;
  failed: number;
}

/**
 * Sends pending outbox rows of one tenant. Each row is locked (SKIP LOCKED) for the duration of
 * its send, so several workers can run this concurrently without sending a row twice; delivery is
 * still at-least-once, since a crash between the provider's accept and our commit resends it.
 */
export async function deliverPending(
  db: TenantDb,
  t: TenantTables,
  adapters: readonly DeliveryAdapter[],
  opts: DeliveryOptions = {},
): Promise<DeliveryReport> {
  const maxAttempts = opts.maxAttempts ?? 5;
  const byChannel = new Map(adapters.map((a) => [a.channel, a]));
  const o = t.notificationOutbox;
  const batch = await db
    .select({ id: o.id })
    .from(o)
    .where(eq(o.status, "pending"))
    .orderBy(asc(o.createdAt), asc(o.id))
    .limit(opts.limit ?? 100);
  const report: DeliveryReport = { sent: 0, retrying: 0, failed: 0 };
  for (const { id } of batch) {
    await db.transaction(async (tx) => {
      const row = (
        await tx
          .select()
          .from(o)
          .where(and(eq(o.id, id), eq(o.status, "pending")))
          .for("update", { skipLocked: true })
          .limit(1)
      )[0];
      if (!row) return; // another worker holds it, or it was finished meanwhile
      const error = await attempt(byChannel.get(row.channel as NotificationChannel), {
        outboxId: row.id,
        channel: row.channel as NotificationChannel,
        to: row.recipient,
        subject: row.subject,
        body: row.body,
      });
      const attempts = row.attempts + 1;
      if (error === null) {
        await tx.update(o).set({ status: "sent", attempts, lastError: null, sentAt: new Date() }).where(eq(o.id, id));
        report.sent++;
        return;
      }
      const status = attempts >= maxAttempts ? "failed" : "pending";
      await tx.update(o).set({ status, attempts, lastError: error }).where(eq(o.id, id));
      report[status === "failed" ? "failed" : "retrying"]++;
    });
  }
  return report;
}

async function attempt(adapter: DeliveryAdapter | undefined, msg: OutboundMessage): Promise<string | null> {
  if (!adapter) return `No delivery adapter configured for channel ${msg.channel}`;
  try {
    await adapter.send(msg);
    return null;
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    return (text || "delivery failed").slice(0, 1000);
  }
}
