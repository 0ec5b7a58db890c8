/**
 * Response shapes the console reads, from the API's OpenAPI document (schema.d.ts). ConsoleTenant
 * is still written out: the tenant routes do not declare their answer yet.
 */
import type { ApiData, ApiItem } from "../api/types";

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

export type LoginResult = ApiData<"/api/saas/auth/login", "post">;
export type SuperAdminMe = ApiData<"/api/saas/auth/me", "get">;
export type BackupHealthRow = ApiItem<"/api/saas/backups/health">;
export type Alert = ApiItem<"/api/saas/backups/alerts">;
export type DryRunReport = ApiData<"/api/saas/backups/{id}/dry-run", "post">["report"];
export type AuditRow = ApiItem<"/api/saas/audit">;

/** The usage report as JSON (the same route also answers CSV and PDF). */
export type UsageReport = ApiData<"/api/saas/reports/usage", "get">;
export type UsageRow = UsageReport["rows"][number];

export type SystemHealth = ApiData<"/api/saas/health", "get">;
export type Probe = SystemHealth["objectStore"];
