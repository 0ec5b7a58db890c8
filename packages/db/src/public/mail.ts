import { sql } from "drizzle-orm";
import { index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { uuidPk } from "../columns.ts";

export const MAIL_KINDS = ["welcome", "password_reset", "operator_alert", "workspace_links"] as const;
export type MailKind = (typeof MAIL_KINDS)[number];
export const MAIL_STATUSES = ["queued", "sent", "failed"] as const;
export type MailStatus = (typeof MAIL_STATUSES)[number];

/**
 * System e-mail waiting for (or done with) the SMTP relay. Rows are written in the transaction
 * that caused them, so a mail exists exactly when its cause committed; the worker delivers.
 */
export const mailOutbox = pgTable(
  "mail_outbox",
  {
    id: uuidPk(),
    tenantId: uuid("tenant_id"),
    kind: text("kind", { enum: MAIL_KINDS }).notNull(),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    body: text("body").notNull(),
    status: text("status", { enum: MAIL_STATUSES }).notNull().default("queued"),
    attempts: integer("attempts").notNull().default(0),
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [
    index("mail_outbox_due_idx").on(t.nextAttemptAt).where(sql`${t.status} = 'queued'`),
    index("mail_outbox_status_idx").on(t.status, t.createdAt),
  ],
);

export type MailOutboxRow = typeof mailOutbox.$inferSelect;

/** Which operator alerts have been e-mailed; a row here is the cursor (packages/backup stays as is). */
export const alertMails = pgTable("alert_mails", {
  alertId: uuid("alert_id").primaryKey(),
  mailId: uuid("mail_id").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Password-reset tokens of tenant admins. Only a SHA-256 of the token is stored, so a leaked row
 * cannot be replayed; `used_at` makes a token single-use.
 */
export const passwordResetTokens = pgTable(
  "password_reset_tokens",
  {
    id: uuidPk(),
    // Null for a super-admin's token (userId is then a super_admins id): tenant resets require
    // their tenant, console resets require null, so neither can spend the other's.
    tenantId: uuid("tenant_id"),
    userId: uuid("user_id").notNull(),
    // Whose password: a staff user's (or operator's), or a subscriber's portal (= PPPoE) password.
    // Each reset route spends only its own kind.
    subject: text("subject", { enum: ["user", "subscriber"] })
      .notNull()
      .default("user"),
    tokenHash: text("token_hash").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    usedAt: timestamp("used_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("password_reset_tokens_hash_key").on(t.tokenHash),
    index("password_reset_tokens_user_idx").on(t.tenantId, t.userId),
  ],
);
