import { sql } from "drizzle-orm";
import { boolean, index, integer, type PgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { timestamps, uuidPk } from "../columns.ts";

export const USER_STATUSES = ["active", "disabled"] as const;

export const permissionGroupsTable = (s: PgSchema) =>
  s.table(
    "permission_groups",
    {
      id: uuidPk(),
      name: text("name").notNull(),
      description: text("description").notNull().default(""),
      permissions: text("permissions").array().notNull().default(sql`'{}'::text[]`),
      // System groups (the owner's "Administrators") cannot be deleted or stripped.
      isSystem: boolean("is_system").notNull().default(false),
      ...timestamps(),
    },
    (t) => [uniqueIndex("permission_groups_name_key").on(sql`lower(${t.name})`)],
  );

export const usersTable = (s: PgSchema, groups: ReturnType<typeof permissionGroupsTable>) =>
  s.table(
    "users",
    {
      id: uuidPk(),
      email: text("email").notNull(),
      name: text("name").notNull().default(""),
      passwordHash: text("password_hash").notNull(),
      status: text("status", { enum: USER_STATUSES }).notNull().default("active"),
      isOwner: boolean("is_owner").notNull().default(false),
      permissionGroupId: uuid("permission_group_id").references(() => groups.id, { onDelete: "set null" }),
      // Bumped to invalidate every token issued so far ("log out everywhere").
      sessionVersion: integer("session_version").notNull().default(1),
      lastLoginAt: timestamp("last_login_at", { withTimezone: true }),
      ...timestamps(),
    },
    (t) => [
      uniqueIndex("users_email_key").on(sql`lower(${t.email})`),
      index("users_email_pattern_idx").on(sql`lower(${t.email}) text_pattern_ops`),
      index("users_name_pattern_idx").on(sql`lower(${t.name}) text_pattern_ops`),
    ],
  );
