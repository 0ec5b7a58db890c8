/**
 * Response shapes the console reads. Most routes' OpenAPI entries type requests only, so these are
 * written out here; where a route declares its response (the usage report), the type comes from
 * the generated document instead.
 */
import type { operations } from "../api/schema";

export type { Backup, Page } from "../api/types";

export type TenantStatus = "active" | "suspended" | "deleted" | "migrated";
export type PlanCode = "trial" | "starter" | "pro" | "custom";
export const PLANS: PlanCode[] = ["trial", "starter", "pro", "custom"];
export const MODULES = ["resellers", "wireguard", "notifications"] as const;
export type Module = (typeof MODULES)[number];

export interface ConsoleTenant {
  id: string;
  slug: string;
  companyName: string;
  status: TenantStatus;
  plan: PlanCode;
  subscriberCap: number;
  schemaVersion: number;
  modules: Module[] | null;
  customDomain: string | null;
  createdAt: string;
  subscribers: number;
  activeSubscribers: number;
  backupBytes: number;
  schemaBytes: number;
  storageBytes: number;
  lastBackupAt: string | null;
}

export interface LoginResult {
  token: string;
  totpEnrolled: boolean;
  mustEnrolTotp: boolean;
}

export interface SuperAdminMe {
  superAdmin: { superAdminId: string; email: string; mfa: boolean };
}

export interface BackupHealthRow {
  tenantId: string;
  slug: string;
  plan: string;
  quotaBytes: number;
  usedBytes: number;
  lastBackupAt: string | null;
  pendingUploads: number;
  openAlerts: number;
  percent: number;
}

export interface Alert {
  id: string;
  tenantId: string | null;
  kind: string;
  message: string;
  createdAt: string;
  resolvedAt: string | null;
}

export interface DryRunReport {
  ok: boolean;
  scratchSchema: string;
  schemaVersion: number;
  migrated: boolean;
  tables: { name: string; expectedRows: number; actualRows: number; checksumMatches: boolean | null }[];
}

export interface AuditRow {
  id: number;
  actor: string;
  action: string;
  tenantId: string | null;
  details: Record<string, unknown>;
  ip: string | null;
  requestId: string | null;
  createdAt: string;
}

/** Typed from the API's OpenAPI document (the report route declares its response). */
export type UsageReport = operations["getApiSaasReportsUsage"]["responses"][200]["content"]["application/json"];
export type UsageRow = UsageReport["rows"][number];

export interface Probe {
  ok: boolean;
  latencyMs: number;
  error?: string;
}

export interface SystemHealth {
  checkedAt: string;
  database: Probe & {
    maxConnections: number | null;
    connections: number | null;
    connectionsToThisDatabase: number | null;
    byState: Record<string, number>;
    percentUsed: number | null;
  };
  sharedState: Probe & { kind: "redis" | "memory" | "postgres" };
  objectStore: Probe;
  radius: {
    instances: {
      instanceId: string;
      host: string;
      at: string;
      rates: Record<string, number>;
      totals: Record<string, number>;
    }[];
    rates: Record<
      "received" | "accessRequests" | "accessAccepts" | "accessRejects" | "accountingRequests" | "dropped" | "errors",
      number
    >;
  };
}
