import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  jsonb,
  type PgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { timestamps, uuidPk } from "../columns.ts";

export const PAYMENT_PROVIDERS = ["stripe", "mpesa"] as const;
export const PAYMENT_STATUSES = ["pending", "succeeded", "failed"] as const;
// invoice: settles one open invoice; renewal: pays the plan's price and renews in the same step.
export const PAYMENT_PURPOSES = ["invoice", "renewal"] as const;

/**
 * A tenant's own account at a payment provider. The credentials are sealed with the tenant's data
 * key (they are the tenant's money, not ours); `public_info` is what the panel may show back.
 */
export const paymentProvidersTable = (s: PgSchema) =>
  s.table("payment_providers", {
    provider: text("provider", { enum: PAYMENT_PROVIDERS }).primaryKey(),
    enabled: boolean("enabled").notNull().default(true),
    configSealed: text("config_sealed").notNull(),
    publicInfo: jsonb("public_info").$type<Record<string, string>>().notNull().default({}),
    ...timestamps(),
  });

/**
 * One online payment attempt by a subscriber. Nothing moves until the provider confirms it; the
 * confirmation settles the invoice (or renews) in the transaction that marks it succeeded, so a
 * duplicate or late callback finds it no longer pending and changes nothing.
 */
export const onlinePaymentsTable = (s: PgSchema) =>
  s.table(
    "online_payments",
    {
      id: uuidPk(),
      provider: text("provider", { enum: PAYMENT_PROVIDERS }).notNull(),
      providerRef: text("provider_ref"),
      providerTxnId: text("provider_txn_id"),
      // The secret part of the callback address (M-Pesa callbacks carry no signature of their own).
      callbackToken: text("callback_token").notNull(),
      subscriberId: uuid("subscriber_id").notNull(),
      purpose: text("purpose", { enum: PAYMENT_PURPOSES }).notNull(),
      invoiceId: uuid("invoice_id"),
      planId: uuid("plan_id"),
      amountCents: bigint("amount_cents", { mode: "number" }).notNull(),
      currency: text("currency").notNull(),
      status: text("status", { enum: PAYMENT_STATUSES }).notNull().default("pending"),
      failureReason: text("failure_reason"),
      lastEventId: text("last_event_id"),
      completedAt: timestamp("completed_at", { withTimezone: true }),
      ...timestamps(),
    },
    (t) => [
      uniqueIndex("online_payments_provider_ref_key").on(t.provider, t.providerRef),
      index("online_payments_subscriber_idx").on(t.subscriberId, t.createdAt),
      index("online_payments_pending_idx").on(t.createdAt).where(sql`${t.status} = 'pending'`),
      check("online_payments_amount_check", sql`${t.amountCents} > 0`),
    ],
  );
