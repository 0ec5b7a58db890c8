import { sql } from "drizzle-orm";
import { customType, timestamp, uuid } from "drizzle-orm/pg-core";

export const uuidPk = () => uuid("id").primaryKey().default(sql`gen_random_uuid()`);

export const timestamps = () => ({
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Text compared byte by byte (`COLLATE "C"`), for opaque keys nobody sorts for display: btree
 * comparisons become a memcmp instead of a locale-aware strcoll, so the index builds (a restore) and
 * lookups (every accounting batch) cost less whatever the database's default collation.
 */
export const byteText = customType<{ data: string; driverData: string }>({
  dataType: () => 'text COLLATE "C"',
});
