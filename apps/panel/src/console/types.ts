/**
 * Response shapes the console reads, from the API's OpenAPI document (schema.d.ts).
 */
import type { ApiData, ApiItem } from "../api/types";

export type { Backup, Page } from "../api/types";

export type TenantStatus = "active" | "suspended" | "deleted" | "migrated";
export type PlanCode = "trial" | "starter" | "pro" | "custom";
export const PLANS: PlanCode[] = ["trial", "starter", "pro", "custom"];
export const MODULES = ["resellers", "wireguard", "notifications"] as const;
export type Module = (typeof MODULES)[number];

/** A tenant as the console lists it, with its subscribers, storage and last backup. */
export type ConsoleTenant = ApiItem<"/api/saas/tenants">;
/** A tenant as a change answers it (the figures are read with the list). */
export type TenantRow = ApiData<"/api/saas/tenants", "post">["tenant"];
/** Where a tenant's schema lives (a Citus node) and the cluster's nodes; `distributed: false` on plain PostgreSQL. */
export type TenantPlacement = ApiData<"/api/saas/tenants/{id}/placement", "get">["placement"];
export type TenantMove = ApiData<"/api/saas/tenants/{id}/move", "post">;

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
