import { sql } from "drizzle-orm";
import { boolean, cidr, index, inet, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * Which tenant a NAS belongs to, by source address and optional NAS-Identifier. The RADIUS daemon
 * reads only this table to pick a tenant; the tenant's own nas_devices row holds the rest.
 */
export const nasRoutes = pgTable(
  "nas_routes",
  {
    nasId: uuid("nas_id").primaryKey(),
    tenantId: uuid("tenant_id").notNull(),
    ipAddress: inet("ip_address").notNull(),
    identifier: text("identifier"),
    /** When the address was claimed for this route: an unverified claim lapses after a while. */
    claimedAt: timestamp("claimed_at", { withTimezone: true }).notNull().defaultNow(),
    /** First RADIUS packet from the address that proved the route's secret (set by the daemon). */
    verifiedAt: timestamp("verified_at", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("nas_routes_address_key").on(t.ipAddress, sql`coalesce(${t.identifier}, '')`),
    index("nas_routes_tenant_idx").on(t.tenantId),
  ],
);

/** Each tenant's /24 for WireGuard NAS tunnels; unique so no two tenants share an address. */
export const wireguardAllocations = pgTable(
  "wireguard_allocations",
  {
    tenantId: uuid("tenant_id").primaryKey(),
    subnet: cidr("subnet").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("wireguard_allocations_subnet_key").on(t.subnet)],
);

export const NAS_HEALTH_STATUSES = ["unknown", "online", "silent"] as const;

/**
 * Each NAS's health across tenants, so one query finds every NAS whose state may change. The
 * RADIUS daemon writes last_seen_at / last_acct_at in batches (from memory, never per packet);
 * the worker writes the probe result and the status, and raises/resolves the console alert.
 */
export const nasHealth = pgTable(
  "nas_health",
  {
    nasId: uuid("nas_id").primaryKey(),
    tenantId: uuid("tenant_id").notNull(),
    /** Any authenticated packet (auth, accounting, Status-Server). */
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }),
    /** Any accounting request: the gap check compares it with the NAS's open sessions. */
    lastAcctAt: timestamp("last_acct_at", { withTimezone: true }),
    status: text("status", { enum: NAS_HEALTH_STATUSES }).notNull().default("unknown"),
    statusSince: timestamp("status_since", { withTimezone: true }).notNull().defaultNow(),
    probeAt: timestamp("probe_at", { withTimezone: true }),
    probeOk: boolean("probe_ok"),
    probeRttMs: integer("probe_rtt_ms"),
    /** Probes unanswered in a row; two make a probed NAS silent (one lost datagram does not). */
    probeFailures: integer("probe_failures").notNull().default(0),
    /** The open console alert while the NAS is silent. */
    alertId: uuid("alert_id"),
  },
  (t) => [index("nas_health_tenant_idx").on(t.tenantId)],
);

export type NasRoute = typeof nasRoutes.$inferSelect;
export type NasHealthRow = typeof nasHealth.$inferSelect;
