import { sql } from "drizzle-orm";
import { cidr, index, inet, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

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

export type NasRoute = typeof nasRoutes.$inferSelect;
