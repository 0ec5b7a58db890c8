import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  index,
  inet,
  integer,
  type PgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/** RADIUS accounting, one row per session; the online-sessions view reads the open ones. */
export const radacctTable = (s: PgSchema) =>
  s.table(
    "radacct",
    {
      id: bigserial("id", { mode: "number" }).primaryKey(),
      acctSessionId: text("acct_session_id").notNull(),
      acctUniqueId: text("acct_unique_id").notNull(),
      username: text("username").notNull(),
      subscriberId: uuid("subscriber_id"),
      nasId: uuid("nas_id"),
      nasIpAddress: inet("nas_ip_address").notNull(),
      nasPortId: text("nas_port_id"),
      framedIpAddress: inet("framed_ip_address"),
      callingStationId: text("calling_station_id"),
      startTime: timestamp("start_time", { withTimezone: true }).notNull(),
      updateTime: timestamp("update_time", { withTimezone: true }),
      stopTime: timestamp("stop_time", { withTimezone: true }),
      sessionTime: integer("session_time").notNull().default(0),
      inputOctets: bigint("input_octets", { mode: "number" }).notNull().default(0),
      outputOctets: bigint("output_octets", { mode: "number" }).notNull().default(0),
      terminateCause: text("terminate_cause"),
    },
    (t) => [
      uniqueIndex("radacct_unique_key").on(t.acctUniqueId),
      index("radacct_open_idx").on(t.startTime).where(sql`${t.stopTime} is null`),
      index("radacct_subscriber_idx").on(t.subscriberId, t.startTime),
      index("radacct_username_idx").on(t.username, t.startTime),
      index("radacct_nas_idx").on(t.nasId),
    ],
  );
