import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  cidr,
  index,
  inet,
  integer,
  type PgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { byteText } from "../columns.ts";

/**
 * RADIUS accounting, one row per session; the online-sessions view reads the open ones. This is a
 * tenant's largest table and each index costs on every accounting write and every restore, so it
 * has the ones queries use: the upsert key, open sessions (overall and per NAS), a subscriber's
 * history, and a BRIN range index on start time for the period totals (dashboard, reports), which
 * rows reach in roughly start-time order. Migration 0004 dropped `(username, start_time)`, which the
 * session search (a prefix match on `lower(username)`) could never use, and narrowed the NAS index
 * to open sessions: a NAS's history is an occasional scan.
 */
export const radacctTable = (s: PgSchema) =>
  s.table(
    "radacct",
    {
      id: bigserial("id", { mode: "number" }).primaryKey(),
      acctSessionId: text("acct_session_id").notNull(),
      acctUniqueId: byteText("acct_unique_id").notNull(),
      username: text("username").notNull(),
      subscriberId: uuid("subscriber_id"),
      nasId: uuid("nas_id"),
      nasIpAddress: inet("nas_ip_address").notNull(),
      nasPortId: text("nas_port_id"),
      framedIpAddress: inet("framed_ip_address"),
      framedIpv6Prefix: cidr("framed_ipv6_prefix"),
      delegatedIpv6Prefix: cidr("delegated_ipv6_prefix"),
      framedInterfaceId: text("framed_interface_id"),
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
      index("radacct_nas_open_idx").on(t.nasId, t.startTime).where(sql`${t.stopTime} is null`),
      index("radacct_start_brin").using("brin", t.startTime),
    ],
  );
