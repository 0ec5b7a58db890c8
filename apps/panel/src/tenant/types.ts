/** Response shapes the panel reads (the OpenAPI document types requests, not most responses). */

export type { Page } from "../api/types";

import type { DateFormat } from "../ui/format";

/** Colours and images of a tenant's brand, as the public branding and the Settings page both carry them. */
export interface BrandingBase {
  primaryColor: string;
  secondaryColor: string;
  accentColor: string;
  logoUrl: string | null;
  faviconUrl: string | null;
  loginBackgroundUrl: string | null;
}

export interface PublicBranding {
  slug: string;
  companyName: string;
  timezone: string;
  /** ISO 4217 code every amount of the tenant is in. */
  currency: string;
  dateFormat: DateFormat;
  branding: BrandingBase & { customCssUrl: string | null };
}

export interface Me {
  user: { id: string; email: string; isOwner: boolean; permissions: string[] };
  tenant: { id: string; slug: string };
}

export interface Plan {
  id: string;
  name: string;
  downloadKbps: number;
  uploadKbps: number;
  validityDays: number;
  priceCents: number;
  isActive: boolean;
  burstDownloadKbps: number | null;
  burstUploadKbps: number | null;
  burstThresholdPct: number | null;
  burstTimeS: number | null;
  quotaBytes: number | null;
  quotaPeriod: "none" | "daily" | "weekly" | "monthly";
  fupAction: "throttle" | "block";
  fupDownloadKbps: number | null;
  fupUploadKbps: number | null;
  ipPoolId: string | null;
  subscribers?: number;
  rateLimit?: string;
}

export interface Subscriber {
  id: string;
  username: string;
  fullName: string | null;
  email: string | null;
  phone: string | null;
  /** Opt-outs: false means no notifications on that channel. */
  notifyEmail: boolean;
  notifySms: boolean;
  status: string;
  planId: string;
  expiresAt: string | null;
  createdAt: string;
  address: string | null;
  notes: string;
  staticIp: string | null;
  ipPoolId: string | null;
  macAddress: string | null;
  macLockOnFirstLogin: boolean;
  balanceCents: number;
  lastSeenAt: string | null;
  bytesIn: number;
  bytesOut: number;
  /** List rows: whether a session is open, and its address. */
  online?: boolean;
  framedIp?: string | null;
}

export interface Nas {
  id: string;
  name: string;
  ipAddress: string;
  identifier: string | null;
  type: string;
  description: string | null;
  statusServer?: boolean;
  health?: NasHealth;
}

/** From the worker's checks: online, silent (alerted) or unknown (never heard, nothing expected). */
export interface NasHealth {
  status: "online" | "silent" | "unknown";
  statusSince: string | null;
  lastSeenAt: string | null;
  lastAcctAt: string | null;
  probe: { at: string; ok: boolean; rttMs: number | null } | null;
}

export interface NasEvent {
  id: string;
  nasId: string;
  nasName: string | null;
  kind: "silent" | "back" | "accounting_gap";
  detail: string;
  createdAt: string;
}

export interface IpPool {
  id: string;
  name: string;
  cidr?: string;
  rangeStart?: string;
  rangeEnd?: string;
  [k: string]: unknown;
}
