import type { TenantDb, TenantTables } from "@proxpanel/db";
import { and, asc, eq, lte, type SQL, sql } from "drizzle-orm";
import type { NotificationChannel } from "./template.ts";

/** One rendered message, as an adapter receives it. */
export interface OutboundMessage {
  /** notification_outbox.id; adapters may pass it on (a header, a callback address) to trace it. */
  outboxId: number;
  channel: NotificationChannel;
  to: string;
  subject: string;
  body: string;
}

/** What the provider said when it accepted a message. */
export interface SendResult {
  providerMessageId?: string | null | undefined;
  providerStatus?: string | null | undefined;
}

/**
 * A way out for one channel. `send` resolves once the provider has accepted the message and
 * throws otherwise: a `DeliveryError` marked permanent (a 4xx: bad number, bad credentials) fails
 * the row at once, anything else (5xx, network, timeout) is retried later.
 */
export interface DeliveryAdapter {
  readonly channel: NotificationChannel;
  send(msg: OutboundMessage): Promise<SendResult | undefined>;
}

export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = "DeliveryError";
  }
}

export interface DeliveryOptions {
  /** Rows taken per call. */
  limit?: number;
  /** After this many failed attempts a row is marked failed and no longer retried. */
  maxAttempts?: number;
  /** The clock the due check and the next attempt use; the database's by default. */
  now?: Date;
}

export interface DeliveryReport {
  sent: number;
  retrying: number;
  failed: number;
}

export const DEFAULT_MAX_ATTEMPTS = 8;

/** 1, 2, 4, 8 … minutes after the n-th failed attempt, capped at an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, attempts - 1), 3_600_000);
}

/**
 * Sends the due pending outbox rows of one tenant. Each row is locked (SKIP LOCKED) for the
 * duration of its send, so concurrent passes (two workers, a slow tick overlapping the next) never
 * send a row twice; delivery is still at-least-once, since a crash between the provider's accept
 * and our commit resends it.
 */
export async function deliverPending(
  db: TenantDb,
  t: TenantTables,
  adapters: readonly DeliveryAdapter[],
  opts: DeliveryOptions = {},
): Promise<DeliveryReport> {
  const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const byChannel = new Map(adapters.map((a) => [a.channel, a]));
  const o = t.notificationOutbox;
  const now: SQL = opts.now ? sql`${opts.now.toISOString()}::timestamptz` : sql`now()`;
  const due = and(eq(o.status, "pending"), lte(o.nextAttemptAt, now));
  const batch = await db
    .select({ id: o.id })
    .from(o)
    .where(due)
    .orderBy(asc(o.nextAttemptAt), asc(o.id))
    .limit(opts.limit ?? 100);
  const report: DeliveryReport = { sent: 0, retrying: 0, failed: 0 };
  for (const { id } of batch) {
    await db.transaction(async (tx) => {
      const row = (
        await tx
          .select()
          .from(o)
          .where(and(eq(o.id, id), due))
          .for("update", { skipLocked: true })
          .limit(1)
      )[0];
      if (!row) return; // another pass holds it, or it was finished meanwhile
      const channel = row.channel as NotificationChannel;
      const outcome = await attempt(byChannel.get(channel), {
        outboxId: row.id,
        channel,
        to: row.recipient,
        subject: row.subject,
        body: row.body,
      });
      const attempts = row.attempts + 1;
      if (outcome.ok) {
        await tx
          .update(o)
          .set({
            status: "sent",
            attempts,
            lastError: null,
            sentAt: new Date(),
            providerMessageId: outcome.result?.providerMessageId ?? null,
            providerStatus: outcome.result?.providerStatus ?? null,
          })
          .where(eq(o.id, id));
        report.sent++;
        return;
      }
      const giveUp = outcome.permanent || attempts >= maxAttempts;
      const nextAttemptAt = sql`${now} + ${`${retryDelayMs(attempts)} milliseconds`}::interval`;
      await tx
        .update(o)
        .set({ status: giveUp ? "failed" : "pending", attempts, lastError: outcome.error, nextAttemptAt })
        .where(eq(o.id, id));
      report[giveUp ? "failed" : "retrying"]++;
    });
  }
  return report;
}

type Outcome = { ok: true; result: SendResult | undefined } | { ok: false; error: string; permanent: boolean };

async function attempt(adapter: DeliveryAdapter | undefined, msg: OutboundMessage): Promise<Outcome> {
  if (!adapter)
    return { ok: false, error: `No delivery adapter configured for channel ${msg.channel}`, permanent: false };
  try {
    return { ok: true, result: await adapter.send(msg) };
  } catch (err) {
    const text = err instanceof Error ? err.message : String(err);
    return {
      ok: false,
      error: (text || "delivery failed").slice(0, 1000),
      permanent: err instanceof DeliveryError && err.permanent,
    };
  }
}
