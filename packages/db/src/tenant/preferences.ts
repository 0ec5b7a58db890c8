import { jsonb, type PgSchema, text, timestamp } from "drizzle-orm/pg-core";

// Key/value so later features (branding fields, notification defaults) need no migration per key.
export const systemPreferencesTable = (s: PgSchema) =>
  s.table("system_preferences", {
    key: text("key").primaryKey(),
    value: jsonb("value").$type<unknown>().notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  });
