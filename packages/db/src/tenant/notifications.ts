import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  type PgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { timestamps, uuidPk } from "../columns.ts";

export const NOTIFICATION_EVENTS = [
  "expiry_reminder",
  "quota_warning",
  "invoice",
  "payment_received",
  "suspension",
] as const;
export const NOTIFICATION_CHANNELS = ["email", "sms"] as const;
// sent: the provider accepted it; delivered: the provider's status callback confirmed it reached
// the handset; failed: refused for good, out of attempts, or reported undelivered.
export const OUTBOX_STATUSES = ["pending", "sent", "delivered", "failed"] as const;
export const SMS_PROVIDERS = ["http", "twilio"] as const;

export const notificationTemplatesTable = (s: PgSchema) =>
  s.table(
    "notification_templates",
    {
      id: uuidPk(),
      event: text("event", { enum: NOTIFICATION_EVENTS }).notNull(),
      channel: text("channel", { enum: NOTIFICATION_CHANNELS }).notNull(),
      subject: text("subject").notNull().default(""),
      body: text("body").notNull(),
      isActive: boolean("is_active").notNull().default(true),
      ...timestamps(),
    },
    (t) => [uniqueIndex("notification_templates_event_channel_key").on(t.event, t.channel)],
  );

export const notificationOutboxTable = (s: PgSchema) =>
  s.table(
    "notification_outbox",
    {
      id: bigserial("id", { mode: "number" }).primaryKey(),
      templateId: uuid("template_id"),
      subscriberId: uuid("subscriber_id"),
      event: text("event").notNull(),
      channel: text("channel").notNull(),
      recipient: text("recipient").notNull(),
      subject: text("subject").notNull().default(""),
      body: text("body").notNull(),
      status: text("status", { enum: OUTBOX_STATUSES }).notNull().default("pending"),
      attempts: integer("attempts").notNull().default(0),
      lastError: text("last_error"),
      // Retries wait 1, 2, 4 … minutes (capped): a pending row is not taken before this.
      nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
      providerMessageId: text("provider_message_id"),
      // The provider's own word (e.g. Twilio's queued/sent/delivered/undelivered), as last reported.
      providerStatus: text("provider_status"),
      // Events found by scanning (expiry, quota) carry a key so each is queued once per subscriber:
      // "expiry:<local expiry date>", "quota:<threshold>:<period start>".
      dedupeKey: text("dedupe_key"),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
      sentAt: timestamp("sent_at", { withTimezone: true }),
      deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    },
    (t) => [
      index("notification_outbox_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'pending'`),
      index("notification_outbox_subscriber_idx").on(t.subscriberId, t.id),
      uniqueIndex("notification_outbox_dedupe_key")
        .on(t.subscriberId, t.channel, t.dedupeKey)
        .where(sql`${t.dedupeKey} is not null`),
    ],
  );

/**
 * The tenant's SMS gateway: one row at most. The credentials (and the whole gateway definition,
 * which may embed an API key in its URL) are sealed with the tenant's data key; `public_info` holds
 * only what the panel may show back.
 */
export const smsSettingsTable = (s: PgSchema) =>
  s.table(
    "sms_settings",
    {
      id: integer("id").primaryKey().default(1),
      provider: text("provider", { enum: SMS_PROVIDERS }).notNull(),
      enabled: boolean("enabled").notNull().default(true),
      sender: text("sender").notNull().default(""),
      configSealed: text("config_sealed").notNull(),
      publicInfo: jsonb("public_info").$type<Record<string, string>>().notNull().default({}),
      ...timestamps(),
    },
    (t) => [check("sms_settings_singleton_check", sql`${t.id} = 1`)],
  );
