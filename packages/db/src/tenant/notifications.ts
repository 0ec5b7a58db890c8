import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  index,
  integer,
  type PgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { timestamps, uuidPk } from "../columns.ts";

export const NOTIFICATION_EVENTS = ["expiry_reminder", "quota_warning", "invoice"] as const;
export const NOTIFICATION_CHANNELS = ["email", "sms"] as const;
export const OUTBOX_STATUSES = ["pending", "sent", "failed"] as const;

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
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
      sentAt: timestamp("sent_at", { withTimezone: true }),
    },
    (t) => [index("notification_outbox_pending_idx").on(t.createdAt).where(sql`${t.status} = 'pending'`)],
  );
