import { bigserial, index, type PgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const AUTH_RESULTS = ["accept", "reject"] as const;

/** Why each RADIUS request was accepted or refused, for the tenant's own troubleshooting. */
export const authLogsTable = (s: PgSchema) =>
  s.table(
    "auth_logs",
    {
      id: bigserial("id", { mode: "number" }).primaryKey(),
      username: text("username").notNull(),
      subscriberId: uuid("subscriber_id"),
      nasId: uuid("nas_id"),
      result: text("result", { enum: AUTH_RESULTS }).notNull(),
      reason: text("reason"),
      method: text("method"),
      callingStationId: text("calling_station_id"),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [
      index("auth_logs_created_idx").on(t.createdAt),
      index("auth_logs_username_idx").on(t.username, t.createdAt),
    ],
  );
