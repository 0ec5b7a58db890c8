import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  check,
  index,
  type PgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { timestamps, uuidPk } from "../columns.ts";

export const INVOICE_STATUSES = ["unpaid", "paid", "void"] as const;
// payment: money received (positive); invoice_charge: an invoice settled, from the balance or from the
// payment recorded with it (negative).
export const TRANSACTION_TYPES = [
  "renewal",
  "payment",
  "invoice_charge",
  "adjustment",
  "reseller_topup",
  "reseller_charge",
] as const;

export const resellersTable = (s: PgSchema) =>
  s.table(
    "resellers",
    {
      id: uuidPk(),
      name: text("name").notNull(),
      // The admin user who signs in as this reseller; scoped to the reseller's subscribers.
      userId: uuid("user_id").notNull(),
      balanceCents: bigint("balance_cents", { mode: "number" }).notNull().default(0),
      isActive: boolean("is_active").notNull().default(true),
      ...timestamps(),
    },
    (t) => [
      uniqueIndex("resellers_user_key").on(t.userId),
      uniqueIndex("resellers_name_key").on(sql`lower(${t.name})`),
    ],
  );

export const invoicesTable = (s: PgSchema) =>
  s.table(
    "invoices",
    {
      id: uuidPk(),
      number: bigserial("number", { mode: "number" }).notNull(),
      subscriberId: uuid("subscriber_id"),
      resellerId: uuid("reseller_id"),
      amountCents: bigint("amount_cents", { mode: "number" }).notNull(),
      status: text("status", { enum: INVOICE_STATUSES }).notNull().default("unpaid"),
      description: text("description").notNull().default(""),
      periodStart: timestamp("period_start", { withTimezone: true }),
      periodEnd: timestamp("period_end", { withTimezone: true }),
      dueAt: timestamp("due_at", { withTimezone: true }),
      paidAt: timestamp("paid_at", { withTimezone: true }),
      ...timestamps(),
    },
    (t) => [
      uniqueIndex("invoices_number_key").on(t.number),
      index("invoices_subscriber_idx").on(t.subscriberId, t.createdAt),
      index("invoices_status_idx").on(t.status, t.createdAt),
      check("invoices_amount_check", sql`${t.amountCents} >= 0`),
    ],
  );

/** Every money movement, signed; balances are the sum and are also kept on the owner row. */
export const transactionsTable = (s: PgSchema) =>
  s.table(
    "transactions",
    {
      id: bigserial("id", { mode: "number" }).primaryKey(),
      type: text("type", { enum: TRANSACTION_TYPES }).notNull(),
      subscriberId: uuid("subscriber_id"),
      resellerId: uuid("reseller_id"),
      invoiceId: uuid("invoice_id"),
      amountCents: bigint("amount_cents", { mode: "number" }).notNull(),
      balanceAfterCents: bigint("balance_after_cents", { mode: "number" }).notNull(),
      description: text("description").notNull().default(""),
      actorUserId: uuid("actor_user_id"),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [
      index("transactions_subscriber_idx").on(t.subscriberId, t.createdAt),
      index("transactions_reseller_idx").on(t.resellerId, t.createdAt),
    ],
  );
