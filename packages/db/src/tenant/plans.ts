import { sql } from "drizzle-orm";
import { bigint, boolean, check, integer, type PgSchema, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { timestamps, uuidPk } from "../columns.ts";

export const QUOTA_PERIODS = ["none", "daily", "weekly", "monthly"] as const;
export const FUP_ACTIONS = ["throttle", "block"] as const;
/** Over the Simultaneous-Use limit: refuse the new login, or admit it and disconnect the oldest. */
export const SIMULTANEOUS_USE_ACTIONS = ["reject", "disconnect_oldest"] as const;

/** Service plans ("services" in the reference product): what a subscriber pays for. */
export const servicePlansTable = (s: PgSchema) =>
  s.table(
    "service_plans",
    {
      id: uuidPk(),
      name: text("name").notNull(),
      downloadKbps: integer("download_kbps").notNull(),
      uploadKbps: integer("upload_kbps").notNull(),
      burstDownloadKbps: integer("burst_download_kbps"),
      burstUploadKbps: integer("burst_upload_kbps"),
      burstThresholdPct: integer("burst_threshold_pct"),
      burstTimeS: integer("burst_time_s"),
      quotaBytes: bigint("quota_bytes", { mode: "number" }),
      quotaPeriod: text("quota_period", { enum: QUOTA_PERIODS }).notNull().default("none"),
      fupAction: text("fup_action", { enum: FUP_ACTIONS }).notNull().default("throttle"),
      fupDownloadKbps: integer("fup_download_kbps"),
      fupUploadKbps: integer("fup_upload_kbps"),
      validityDays: integer("validity_days").notNull().default(30),
      priceCents: bigint("price_cents", { mode: "number" }).notNull().default(0),
      isActive: boolean("is_active").notNull().default(true),
      ipPoolId: uuid("ip_pool_id"),
      // IPv6 pools for Framed-IPv6-Prefix and Delegated-IPv6-Prefix (prefix delegation).
      ipv6PoolId: uuid("ipv6_pool_id"),
      delegatedIpv6PoolId: uuid("delegated_ipv6_pool_id"),
      // Open sessions allowed at once; null = unlimited (a subscriber's own value wins).
      simultaneousUse: integer("simultaneous_use"),
      simultaneousUseAction: text("simultaneous_use_action", { enum: SIMULTANEOUS_USE_ACTIONS })
        .notNull()
        .default("reject"),
      ...timestamps(),
    },
    (t) => [
      uniqueIndex("service_plans_name_key").on(sql`lower(${t.name})`),
      check("service_plans_rates_check", sql`${t.downloadKbps} > 0 and ${t.uploadKbps} > 0`),
      check("service_plans_validity_check", sql`${t.validityDays} > 0`),
      check("service_plans_price_check", sql`${t.priceCents} >= 0`),
      check("service_plans_simultaneous_use_check", sql`${t.simultaneousUse} > 0`),
    ],
  );
