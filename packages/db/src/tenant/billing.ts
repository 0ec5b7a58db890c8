import { sql } from "drizzle-orm";
import {
  bigint,
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

export const INVOICE_STATUSES = ["unpaid", "paid", "void"] as const;
export const DOCUMENT_KINDS = ["invoice", "credit_note"] as const;

/** One billed line; the invoice's subtotal is their sum (before an exclusive tax is added). */
export interface InvoiceLine {
  description: string;
  quantity: number;
  unitCents: number;
  amountCents: number;
}
// payment: money received (positive); invoice_charge: an invoice settled, from the balance or from the
// payment recorded with it (negative).
export const TRANSACTION_TYPES = [
  "renewal",
  "payment",
  "invoice_charge",
  "adjustment",
  "reseller_topup",
  "reseller_charge",
  "credit_note",
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
      // Per tenant, 1..N without gaps: taken from document_counters in the inserting transaction.
      number: bigint("number", { mode: "number" }).notNull(),
      subscriberId: uuid("subscriber_id"),
      resellerId: uuid("reseller_id"),
      // The total, tax included: what is owed. Kept as the one amount older code reads.
      amountCents: bigint("amount_cents", { mode: "number" }).notNull(),
      subtotalCents: bigint("subtotal_cents", { mode: "number" }).notNull().default(0),
      taxCents: bigint("tax_cents", { mode: "number" }).notNull().default(0),
      // The rate as it was when issued: a later edit of the rate must not rewrite old invoices.
      taxName: text("tax_name"),
      taxBasisPoints: integer("tax_basis_points"),
      taxInclusive: boolean("tax_inclusive"),
      lines: jsonb("lines").$type<InvoiceLine[]>().notNull().default([]),
      amountPaidCents: bigint("amount_paid_cents", { mode: "number" }).notNull().default(0),
      creditedCents: bigint("credited_cents", { mode: "number" }).notNull().default(0),
      // subscriber:period start for the recurring run, so a re-run cannot bill one period twice.
      cycleKey: text("cycle_key"),
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
      uniqueIndex("invoices_cycle_key").on(t.cycleKey),
      index("invoices_due_idx").on(t.dueAt).where(sql`${t.status} = 'unpaid'`),
      index("invoices_subscriber_idx").on(t.subscriberId, t.createdAt),
      index("invoices_status_idx").on(t.status, t.createdAt),
      check("invoices_amount_check", sql`${t.amountCents} >= 0`),
      check("invoices_paid_check", sql`${t.amountPaidCents} >= 0 and ${t.creditedCents} >= 0`),
    ],
  );

/** The last number issued per document kind; its row lock is what makes numbering gapless. */
export const documentCountersTable = (s: PgSchema) =>
  s.table("document_counters", {
    kind: text("kind", { enum: DOCUMENT_KINDS }).primaryKey(),
    lastNumber: bigint("last_number", { mode: "number" }).notNull(),
  });

export const taxRatesTable = (s: PgSchema) =>
  s.table(
    "tax_rates",
    {
      id: uuidPk(),
      name: text("name").notNull(),
      // 1 basis point = 0.01 %: 16 % VAT is 1600.
      basisPoints: integer("basis_points").notNull(),
      // Inclusive: prices already contain the tax; exclusive: the tax is added on top.
      inclusive: boolean("inclusive").notNull().default(false),
      isDefault: boolean("is_default").notNull().default(false),
      ...timestamps(),
    },
    (t) => [
      uniqueIndex("tax_rates_name_key").on(sql`lower(${t.name})`),
      uniqueIndex("tax_rates_default_key").on(t.isDefault).where(sql`${t.isDefault}`),
      check("tax_rates_bp_check", sql`${t.basisPoints} >= 0 and ${t.basisPoints} <= 10000`),
    ],
  );

/** A negative document against an invoice, numbered in its own sequence; credits the balance. */
export const creditNotesTable = (s: PgSchema) =>
  s.table(
    "credit_notes",
    {
      id: uuidPk(),
      number: bigint("number", { mode: "number" }).notNull(),
      invoiceId: uuid("invoice_id").notNull(),
      subscriberId: uuid("subscriber_id"),
      amountCents: bigint("amount_cents", { mode: "number" }).notNull(),
      reason: text("reason").notNull(),
      actorUserId: uuid("actor_user_id"),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [
      uniqueIndex("credit_notes_number_key").on(t.number),
      index("credit_notes_invoice_idx").on(t.invoiceId),
      check("credit_notes_amount_check", sql`${t.amountCents} > 0`),
    ],
  );

/** Every money movement, signed; balances are the sum and are also kept on the owner row. */
export const PAYMENT_METHODS = ["cash", "bank_transfer", "mobile_money", "card", "cheque", "online", "other"] as const;

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
      // Money received (type payment): how, the slip or provider reference, and the day it came
      // in (which may be before it was recorded).
      method: text("method", { enum: PAYMENT_METHODS }),
      reference: text("reference"),
      receivedAt: timestamp("received_at", { withTimezone: true }),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [
      index("transactions_subscriber_idx").on(t.subscriberId, t.createdAt),
      index("transactions_reseller_idx").on(t.resellerId, t.createdAt),
    ],
  );
