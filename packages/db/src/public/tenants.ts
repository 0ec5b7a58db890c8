import { sql } from "drizzle-orm";
import { check, index, integer, pgTable, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";
import { timestamps, uuidPk } from "../columns.ts";
import { plans } from "./plans.ts";

export const TENANT_STATUSES = ["active", "suspended", "deleted", "migrated"] as const;
export type TenantStatus = (typeof TENANT_STATUSES)[number];

export const tenants = pgTable(
  "tenants",
  {
    id: uuidPk(),
    slug: text("slug").notNull(),
    schemaName: text("schema_name").notNull(),
    companyName: text("company_name").notNull(),
    status: text("status", { enum: TENANT_STATUSES }).notNull().default("active"),
    plan: text("plan")
      .notNull()
      .references(() => plans.code),
    subscriberCap: integer("subscriber_cap").notNull().default(5000),
    customDomain: text("custom_domain"),
    customDomainVerifiedAt: timestamp("custom_domain_verified_at", { withTimezone: true }),
    // The TXT challenge value for the pending custom domain; only the tenant's admins ever see it.
    customDomainToken: text("custom_domain_token"),
    // When the pending custom domain was claimed: an unverified claim lapses after a while.
    customDomainClaimedAt: timestamp("custom_domain_claimed_at", { withTimezone: true }),
    timezone: text("timezone").notNull().default("UTC"),
    schemaVersion: integer("schema_version").notNull().default(0),
    migratedTo: text("migrated_to"),
    /** Super-admin override of the plan's modules; null means "as the plan says". */
    modules: text("modules").array(),
    // Per-tenant secret that later feeds backup key derivation; never leaves the registry.
    secret: text("secret").notNull(),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [
    uniqueIndex("tenants_slug_key").on(t.slug),
    uniqueIndex("tenants_schema_name_key").on(t.schemaName),
    // Only a verified domain is exclusive: pending claims never lock the real owner out.
    uniqueIndex("tenants_custom_domain_key").on(t.customDomain).where(sql`${t.customDomainVerifiedAt} is not null`),
    index("tenants_custom_domain_idx").on(t.customDomain),
    index("tenants_schema_version_idx").on(t.schemaVersion),
    check("tenants_status_check", sql`${t.status} in ('active','suspended','deleted','migrated')`),
    check("tenants_slug_check", sql`${t.slug} ~ '^[a-z0-9]+(-[a-z0-9]+)*$'`),
    check("tenants_subscriber_cap_check", sql`${t.subscriberCap} >= 0`),
  ],
);

export type Tenant = typeof tenants.$inferSelect;
export type NewTenant = typeof tenants.$inferInsert;
