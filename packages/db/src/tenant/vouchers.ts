import { sql } from "drizzle-orm";
import { bigint, check, index, integer, type PgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { timestamps, uuidPk } from "../columns.ts";

// unused: never authenticated; active: validity running; used_up: a time or data limit reached;
// disabled: withdrawn by an operator. "Expired" is not stored: it is expires_at in the past.
export const VOUCHER_STATUSES = ["unused", "active", "used_up", "disabled"] as const;

/** One print run of prepaid hotspot codes sharing limits, price and code shape. */
export const voucherBatchesTable = (s: PgSchema) =>
  s.table(
    "voucher_batches",
    {
      id: uuidPk(),
      name: text("name").notNull().default(""),
      count: integer("count").notNull(),
      planId: uuid("plan_id"),
      // Limits of each voucher; null = none (the plan's rate and validity still apply).
      timeLimitS: integer("time_limit_s"),
      dataLimitBytes: bigint("data_limit_bytes", { mode: "number" }),
      // MikroTik rate-limit; null = the plan's.
      rateLimit: text("rate_limit"),
      // Counted from the first login, not from printing: cards can sit in a shop for months.
      validityS: integer("validity_s"),
      priceCents: bigint("price_cents", { mode: "number" }).notNull().default(0),
      codeLength: integer("code_length").notNull(),
      alphabet: text("alphabet").notNull(),
      prefix: text("prefix").notNull().default(""),
      createdBy: uuid("created_by"),
      // Set when a reseller generated the batch and paid count x price from its balance.
      resellerId: uuid("reseller_id"),
      chargedCents: bigint("charged_cents", { mode: "number" }).notNull().default(0),
      ...timestamps(),
    },
    (t) => [
      index("voucher_batches_created_idx").on(t.createdAt),
      index("voucher_batches_reseller_idx").on(t.resellerId, t.createdAt),
      check("voucher_batches_count_check", sql`${t.count} > 0`),
      check("voucher_batches_price_check", sql`${t.priceCents} >= 0 and ${t.chargedCents} >= 0`),
      check(
        "voucher_batches_limits_check",
        sql`coalesce(${t.timeLimitS}, 1) > 0 and coalesce(${t.dataLimitBytes}, 1) > 0 and coalesce(${t.validityS}, 1) > 0`,
      ),
    ],
  );

export const vouchersTable = (s: PgSchema) =>
  s.table(
    "vouchers",
    {
      id: uuidPk(),
      batchId: uuid("batch_id").notNull(),
      code: text("code").notNull(),
      status: text("status", { enum: VOUCHER_STATUSES }).notNull().default("unused"),
      firstUsedAt: timestamp("first_used_at", { withTimezone: true }),
      expiresAt: timestamp("expires_at", { withTimezone: true }),
      usedSeconds: bigint("used_seconds", { mode: "number" }).notNull().default(0),
      usedBytes: bigint("used_bytes", { mode: "number" }).notNull().default(0),
      lastSessionId: text("last_session_id"),
      lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
      resellerId: uuid("reseller_id"),
      ...timestamps(),
    },
    (t) => [
      // RADIUS looks codes up case-insensitively, as it does usernames.
      uniqueIndex("vouchers_code_key").on(sql`lower(${t.code})`),
      index("vouchers_batch_idx").on(t.batchId, t.code),
      index("vouchers_status_idx").on(t.status),
      check("vouchers_code_check", sql`${t.code} ~ '^[A-Za-z0-9._@-]{4,64}$'`),
    ],
  );
