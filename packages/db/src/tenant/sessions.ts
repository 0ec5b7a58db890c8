import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  cidr,
  index,
  inet,
  integer,
  type PgSchema,
  primaryKey,
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
 * to open sessions: a NAS's history is an occasional scan. Migration 0015 leaves 30 % of each page
 * free (fillfactor 70) so the Interim-Updates of an open session's row stay on its page (HOT).
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
      // Bytes per second between the last two accounting records of the session (live bandwidth).
      rateIn: bigint("rate_in", { mode: "number" }),
      rateOut: bigint("rate_out", { mode: "number" }),
    },
    (t) => [
      uniqueIndex("radacct_unique_key").on(t.acctUniqueId),
      index("radacct_open_idx").on(t.startTime).where(sql`${t.stopTime} is null`),
      index("radacct_subscriber_idx").on(t.subscriberId, t.startTime),
      index("radacct_nas_open_idx").on(t.nasId, t.startTime).where(sql`${t.stopTime} is null`),
      index("radacct_start_brin").using("brin", t.startTime),
    ],
  );

/**
 * Traffic roll-ups written by the RADIUS daemon from each accounting batch (octet deltas between
 * a session's records, added to the bucket of the later record): 5-minute buckets kept 48 hours,
 * hourly buckets kept longer (the worker's retention job deletes older rows). Never a row per
 * interim: at most one per subscriber, NAS and bucket.
 */
const trafficTable = (s: PgSchema, name: "traffic_5m" | "traffic_1h") =>
  s.table(
    name,
    {
      bucket: timestamp("bucket", { withTimezone: true }).notNull(),
      subscriberId: uuid("subscriber_id").notNull(),
      nasId: uuid("nas_id").notNull(),
      bytesIn: bigint("bytes_in", { mode: "number" }).notNull().default(0),
      bytesOut: bigint("bytes_out", { mode: "number" }).notNull().default(0),
    },
    (t) => [
      primaryKey({ name: `${name}_pkey`, columns: [t.subscriberId, t.bucket, t.nasId] }),
      index(`${name}_nas_idx`).on(t.nasId, t.bucket),
      index(`${name}_bucket_brin`).using("brin", t.bucket),
    ],
  );

export const traffic5mTable = (s: PgSchema) => trafficTable(s, "traffic_5m");
/**
 * The whole tenant's traffic and sessions per 15 minutes (every zone's midnight falls on a quarter
 * hour, so any tenant-local day is a whole number of rows), for the dashboard's daily chart: a
 * month is 2,880 rows whatever the tenant's size, where the per-subscriber roll-ups hold one row
 * per subscriber and hour. Written from the roll-ups (and, for time before them, from `radacct`)
 * by `materialiseUsage` (`@proxpanel/db`); every bucket up to the last written one has a row,
 * zeros included, so the newest bucket says how far it has got.
 */
export const usage15mTable = (s: PgSchema) =>
  s.table("usage_15m", {
    bucket: timestamp("bucket", { withTimezone: true }).primaryKey(),
    bytesIn: bigint("bytes_in", { mode: "number" }).notNull().default(0),
    bytesOut: bigint("bytes_out", { mode: "number" }).notNull().default(0),
    /** Sessions started in the bucket (all of `radacct`, unknown usernames included). */
    sessions: integer("sessions").notNull().default(0),
  });

/**
 * The same per reseller (its subscribers' traffic and sessions), written with `usage_15m` for the
 * same buckets; only buckets with something in them have a row. A subscriber's traffic counts to
 * the reseller it had when its bucket was written.
 */
export const usageReseller15mTable = (s: PgSchema) =>
  s.table(
    "usage_reseller_15m",
    {
      resellerId: uuid("reseller_id").notNull(),
      bucket: timestamp("bucket", { withTimezone: true }).notNull(),
      bytesIn: bigint("bytes_in", { mode: "number" }).notNull().default(0),
      bytesOut: bigint("bytes_out", { mode: "number" }).notNull().default(0),
      sessions: integer("sessions").notNull().default(0),
    },
    (t) => [primaryKey({ name: "usage_reseller_15m_pkey", columns: [t.resellerId, t.bucket] })],
  );
export const traffic1hTable = (s: PgSchema) => trafficTable(s, "traffic_1h");
