import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
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
import { timestamps, uuidPk } from "../columns.ts";

export const SUBSCRIBER_STATUSES = ["active", "disabled", "expired"] as const;
// prepaid: billed before each period, renewed by payment; postpaid: billed after the period.
export const BILLING_MODES = ["prepaid", "postpaid"] as const;

export const subscribersTable = (s: PgSchema) =>
  s.table(
    "subscribers",
    {
      id: uuidPk(),
      username: text("username").notNull(),
      // The PPPoE password, AES-256-GCM encrypted with a key derived for this tenant: CHAP and
      // MS-CHAPv2 need the cleartext (or its NT hash), so a one-way hash cannot serve RADIUS.
      passwordEnc: text("password_enc").notNull(),
      status: text("status", { enum: SUBSCRIBER_STATUSES }).notNull().default("active"),
      planId: uuid("plan_id"),
      expiresAt: timestamp("expires_at", { withTimezone: true }),
      staticIp: inet("static_ip"),
      ipPoolId: uuid("ip_pool_id"),
      // Static IPv6: the Framed-IPv6-Prefix (usually a /64) and the delegated prefix; without
      // them the plan's IPv6 pools assign one.
      staticIpv6Prefix: cidr("static_ipv6_prefix"),
      delegatedIpv6Prefix: cidr("delegated_ipv6_prefix"),
      // Open sessions allowed at once; null = the plan's limit.
      simultaneousUse: integer("simultaneous_use"),
      macAddress: text("mac_address"),
      macLockOnFirstLogin: boolean("mac_lock_on_first_login").notNull().default(false),
      fullName: text("full_name").notNull().default(""),
      email: text("email"),
      phone: text("phone"),
      address: text("address"),
      notes: text("notes").notNull().default(""),
      balanceCents: bigint("balance_cents", { mode: "number" }).notNull().default(0),
      resellerId: uuid("reseller_id"),
      bytesIn: bigint("bytes_in", { mode: "number" }).notNull().default(0),
      bytesOut: bigint("bytes_out", { mode: "number" }).notNull().default(0),
      usageResetAt: timestamp("usage_reset_at", { withTimezone: true }),
      lastSeenAt: timestamp("last_seen_at", { withTimezone: true }),
      // Bumped when the password changes or the operator signs the subscriber out of the portal:
      // portal tokens carry it and stop working.
      portalSessionVersion: integer("portal_session_version").notNull().default(0),
      // The subscriber's opt-outs: false means no message on that channel, whatever the event.
      notifyEmail: boolean("notify_email").notNull().default(true),
      notifySms: boolean("notify_sms").notNull().default(true),
      billingMode: text("billing_mode", { enum: BILLING_MODES }).notNull().default("prepaid"),
      // Set when the billing run disabled the subscriber for an unpaid invoice; a payment that
      // clears its arrears re-enables only such a subscriber, never one an operator disabled.
      billingSuspendedAt: timestamp("billing_suspended_at", { withTimezone: true }),
      ...timestamps(),
    },
    (t) => [
      uniqueIndex("subscribers_username_key").on(sql`lower(${t.username})`),
      index("subscribers_username_pattern_idx").on(sql`lower(${t.username}) text_pattern_ops`),
      index("subscribers_status_idx").on(t.status),
      index("subscribers_expires_idx").on(t.expiresAt),
      index("subscribers_reseller_idx").on(t.resellerId),
      index("subscribers_plan_idx").on(t.planId),
      uniqueIndex("subscribers_static_ip_key").on(t.staticIp),
      uniqueIndex("subscribers_static_ipv6_key").on(t.staticIpv6Prefix),
      uniqueIndex("subscribers_delegated_ipv6_key").on(t.delegatedIpv6Prefix),
      check("subscribers_simultaneous_use_check", sql`${t.simultaneousUse} > 0`),
      check("subscribers_username_check", sql`${t.username} ~ '^[A-Za-z0-9._@-]{1,64}$'`),
    ],
  );
