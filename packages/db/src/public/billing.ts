import { sql } from "drizzle-orm";
import { index, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * Every billing event we acted on, keyed by the provider's event id: the primary key is what
 * makes a redelivered (or concurrently delivered) event act once.
 */
export const billingEvents = pgTable(
  "billing_events",
  {
    provider: text("provider").notNull(),
    eventId: text("event_id").notNull(),
    type: text("type").notNull(),
    tenantId: uuid("tenant_id"),
    receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("billing_events_key").on(t.provider, t.eventId)],
);

export const BILLING_STATES = ["active", "lapsed", "suspended"] as const;
export type BillingState = (typeof BILLING_STATES)[number];

/** A tenant's subscription at the provider; `grace_until` is set while a lapse waits to suspend. */
export const billingSubscriptions = pgTable(
  "billing_subscriptions",
  {
    tenantId: uuid("tenant_id").primaryKey(),
    provider: text("provider").notNull(),
    customerId: text("customer_id"),
    subscriptionId: text("subscription_id"),
    plan: text("plan").notNull(),
    state: text("state", { enum: BILLING_STATES }).notNull().default("active"),
    lapsedAt: timestamp("lapsed_at", { withTimezone: true }),
    graceUntil: timestamp("grace_until", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("billing_subscriptions_customer_key").on(t.provider, t.customerId),
    index("billing_subscriptions_grace_idx").on(t.graceUntil).where(sql`${t.state} = 'lapsed'`),
  ],
);

export type BillingSubscription = typeof billingSubscriptions.$inferSelect;
