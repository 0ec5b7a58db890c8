import { boolean, integer, type PgSchema, text, uniqueIndex } from "drizzle-orm/pg-core";
import { timestamps, uuidPk } from "../columns.ts";

export const BACKUP_FREQUENCIES = ["hourly", "daily", "weekly", "monthly"] as const;

/** When this tenant's automatic backups run, in the tenant's own timezone. */
export const backupSchedulesTable = (s: PgSchema) =>
  s.table(
    "backup_schedules",
    {
      id: uuidPk(),
      frequency: text("frequency", { enum: BACKUP_FREQUENCIES }).notNull(),
      // "HH:MM" in the tenant's timezone (ignored for hourly, which uses the minute only).
      timeOfDay: text("time_of_day").notNull().default("02:00"),
      dayOfWeek: integer("day_of_week"),
      dayOfMonth: integer("day_of_month"),
      enabled: boolean("enabled").notNull().default(true),
      ...timestamps(),
    },
    (t) => [uniqueIndex("backup_schedules_frequency_key").on(t.frequency)],
  );
