import { sql } from "drizzle-orm";
import {
  boolean,
  check,
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
import { timestamps, uuidPk } from "../columns.ts";

export const NAS_TYPES = ["mikrotik", "generic"] as const;

export const nasDevicesTable = (s: PgSchema) =>
  s.table(
    "nas_devices",
    {
      id: uuidPk(),
      name: text("name").notNull(),
      ipAddress: inet("ip_address").notNull(),
      identifier: text("identifier"),
      // Encrypted like subscriber passwords: the RADIUS daemon needs the secret itself.
      secretEnc: text("secret_enc").notNull(),
      type: text("type", { enum: NAS_TYPES }).notNull().default("mikrotik"),
      coaPort: integer("coa_port").notNull().default(3799),
      requireMessageAuthenticator: boolean("require_message_authenticator").notNull().default(true),
      // The NAS answers RFC 5997 Status-Server on its CoA port: the worker probes it.
      statusServer: boolean("status_server").notNull().default(false),
      description: text("description").notNull().default(""),
      ...timestamps(),
    },
    (t) => [
      uniqueIndex("nas_devices_name_key").on(sql`lower(${t.name})`),
      uniqueIndex("nas_devices_address_key").on(t.ipAddress, sql`coalesce(${t.identifier}, '')`),
    ],
  );

export const ipPoolsTable = (s: PgSchema) =>
  s.table(
    "ip_pools",
    {
      id: uuidPk(),
      name: text("name").notNull(),
      cidr: cidr("cidr").notNull(),
      rangeStart: inet("range_start").notNull(),
      rangeEnd: inet("range_end").notNull(),
      // The router's own address on this subnet: never handed out. New pools default it to the
      // first usable address; null means every address of the range is for subscribers.
      gateway: inet("gateway"),
      ...timestamps(),
    },
    (t) => [uniqueIndex("ip_pools_name_key").on(sql`lower(${t.name})`)],
  );

/**
 * IPv6 pools: `prefix` (e.g. 2001:db8:100::/40) is cut into subscriber prefixes of
 * `assignLength` bits (/64 for a Framed-IPv6-Prefix, /56 or /60 for prefix delegation).
 */
export const ipv6PoolsTable = (s: PgSchema) =>
  s.table(
    "ipv6_pools",
    {
      id: uuidPk(),
      name: text("name").notNull(),
      prefix: cidr("prefix").notNull(),
      assignLength: integer("assign_length").notNull(),
      ...timestamps(),
    },
    (t) => [
      uniqueIndex("ipv6_pools_name_key").on(sql`lower(${t.name})`),
      check("ipv6_pools_length_check", sql`${t.assignLength} between 48 and 128`),
    ],
  );

/**
 * One row per assignable prefix of an IPv6 pool. Unlike IPv4 leases these stay with the
 * subscriber across sessions (a delegated prefix that changes on every reconnect renumbers the
 * customer's LAN); they go back when the subscriber is deleted or the operator releases them.
 */
export const ipv6AllocationsTable = (s: PgSchema) =>
  s.table(
    "ipv6_allocations",
    {
      poolId: uuid("pool_id").notNull(),
      prefix: cidr("prefix").notNull(),
      subscriberId: uuid("subscriber_id"),
      allocatedAt: timestamp("allocated_at", { withTimezone: true }),
    },
    (t) => [
      primaryKey({ columns: [t.poolId, t.prefix] }),
      uniqueIndex("ipv6_allocations_prefix_key").on(t.prefix),
      index("ipv6_allocations_free_idx").on(t.poolId, t.prefix).where(sql`${t.subscriberId} is null`),
      index("ipv6_allocations_subscriber_idx").on(t.subscriberId),
    ],
  );

/** One row per address of a pool; allocation claims a free row with FOR UPDATE SKIP LOCKED. */
export const ipAllocationsTable = (s: PgSchema) =>
  s.table(
    "ip_allocations",
    {
      poolId: uuid("pool_id").notNull(),
      address: inet("address").notNull(),
      subscriberId: uuid("subscriber_id"),
      sessionId: text("session_id"),
      allocatedAt: timestamp("allocated_at", { withTimezone: true }),
    },
    (t) => [
      primaryKey({ columns: [t.poolId, t.address] }),
      uniqueIndex("ip_allocations_address_key").on(t.address),
      index("ip_allocations_free_idx").on(t.poolId, t.address).where(sql`${t.subscriberId} is null`),
      index("ip_allocations_subscriber_idx").on(t.subscriberId),
    ],
  );

export const wireguardPeersTable = (s: PgSchema) =>
  s.table(
    "wireguard_peers",
    {
      id: uuidPk(),
      nasId: uuid("nas_id").notNull(),
      publicKey: text("public_key").notNull(),
      privateKeyEnc: text("private_key_enc").notNull(),
      address: inet("address").notNull(),
      ...timestamps(),
    },
    (t) => [
      uniqueIndex("wireguard_peers_nas_key").on(t.nasId),
      uniqueIndex("wireguard_peers_address_key").on(t.address),
    ],
  );

export const NAS_EVENT_KINDS = ["silent", "back", "accounting_gap"] as const;

/** NAS health transitions recorded by the worker (one row per transition, not per check). */
export const nasEventsTable = (s: PgSchema) =>
  s.table(
    "nas_events",
    {
      id: uuidPk(),
      nasId: uuid("nas_id").notNull(),
      kind: text("kind", { enum: NAS_EVENT_KINDS }).notNull(),
      detail: text("detail").notNull().default(""),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [index("nas_events_created_idx").on(t.createdAt), index("nas_events_nas_idx").on(t.nasId, t.createdAt)],
  );
