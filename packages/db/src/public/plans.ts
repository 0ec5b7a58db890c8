import { sql } from "drizzle-orm";
import { bigint, boolean, integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const PLAN_CODES = ["trial", "starter", "pro", "custom"] as const;
export type PlanCode = (typeof PLAN_CODES)[number];

export const plans = pgTable("plans", {
  code: text("code").primaryKey(),
  name: text("name").notNull(),
  backupQuotaBytes: bigint("backup_quota_bytes", { mode: "number" }).notNull(),
  backupRetentionDays: integer("backup_retention_days").notNull(),
  hourlyBackups: boolean("hourly_backups").notNull().default(true),
  defaultSubscriberCap: integer("default_subscriber_cap").notNull().default(5000),
  // Optional modules this plan switches on; a tenant's own `modules` list overrides it.
  modules: text("modules").array().notNull().default(sql`'{resellers,wireguard,notifications}'::text[]`),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export type Plan = typeof plans.$inferSelect;

const MB = 1024 * 1024;
// Quotas and retention per plan come from the product description; "custom" starts at pro's
// figures and is edited per contract.
export const PLAN_SEED: (typeof plans.$inferInsert)[] = [
  {
    code: "trial",
    name: "Trial",
    backupQuotaBytes: 100 * MB,
    backupRetentionDays: 7,
    hourlyBackups: false,
    modules: ["notifications"],
  },
  { code: "starter", name: "Starter", backupQuotaBytes: 1024 * MB, backupRetentionDays: 30 },
  { code: "pro", name: "Pro", backupQuotaBytes: 10 * 1024 * MB, backupRetentionDays: 90 },
  { code: "custom", name: "Custom", backupQuotaBytes: 10 * 1024 * MB, backupRetentionDays: 90 },
];
