import { sql } from "drizzle-orm";
import {
  boolean,
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
      ...timestamps(),
    },
    (t) => [uniqueIndex("ip_pools_name_key").on(sql`lower(${t.name})`)],
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
