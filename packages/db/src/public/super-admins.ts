import { sql } from "drizzle-orm";
import { bigserial, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { timestamps, uuidPk } from "../columns.ts";

export const superAdmins = pgTable(
  "super_admins",
  {
    id: uuidPk(),
    email: text("email").notNull(),
    name: text("name").notNull().default(""),
    passwordHash: text("password_hash").notNull(),
    totpSecret: text("totp_secret"),
    totpEnabledAt: timestamp("totp_enabled_at", { withTimezone: true }),
    sessionVersion: integer("session_version").notNull().default(1),
    lastLoginAt: timestamp("last_login_at", { withTimezone: true }),
    ...timestamps(),
  },
  (t) => [uniqueIndex("super_admins_email_key").on(sql`lower(${t.email})`)],
);

export type SuperAdmin = typeof superAdmins.$inferSelect;

// Cross-tenant trail of what operators did; tenants never read it.
export const superAdminAudit = pgTable(
  "super_admin_audit",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    superAdminId: uuid("super_admin_id"),
    actor: text("actor").notNull(),
    action: text("action").notNull(),
    tenantId: uuid("tenant_id"),
    details: jsonb("details").$type<Record<string, unknown>>().notNull().default({}),
    ip: text("ip"),
    requestId: text("request_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index("super_admin_audit_created_idx").on(t.createdAt),
    index("super_admin_audit_tenant_idx").on(t.tenantId, t.createdAt),
  ],
);

export type SuperAdminAuditEntry = typeof superAdminAudit.$inferSelect;
