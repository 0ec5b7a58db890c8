/**
 * Named permissions a tenant's permission groups grant. The owner's group holds "*" and so gains
 * new names without a data change, except the restricted ones, which must be granted by name.
 */
export const PERMISSIONS = [
  "dashboard.view",
  "subscribers.view",
  "subscribers.create",
  "subscribers.edit",
  "subscribers.delete",
  "plans.view",
  "plans.edit",
  "nas.view",
  "nas.edit",
  "pools.view",
  "pools.edit",
  "sessions.view",
  "sessions.disconnect",
  "billing.view",
  "billing.edit",
  "resellers.view",
  "resellers.edit",
  "users.view",
  "users.edit",
  "audit.view",
  "settings.view",
  "settings.edit",
  "notifications.view",
  "notifications.edit",
  "wireguard.view",
  "wireguard.edit",
  "backups.view",
  "backups.create",
  "backups.restore",
  "backups.delete",
  "backups.edit",
  "backups.restore_from_other_tenant",
  "vouchers.view",
  "vouchers.create",
  "vouchers.edit",
] as const;

export type Permission = (typeof PERMISSIONS)[number];
export const ALL = "*";

/** Never implied by a wildcard: dangerous enough that someone must grant them on purpose. */
export const RESTRICTED_PERMISSIONS: ReadonlySet<Permission> = new Set(["backups.restore_from_other_tenant"]);

export function isPermission(p: string): p is Permission {
  return (PERMISSIONS as readonly string[]).includes(p);
}

export function hasPermission(granted: readonly string[], needed: Permission): boolean {
  if (granted.includes(needed)) return true;
  if (RESTRICTED_PERMISSIONS.has(needed)) return false;
  if (granted.includes(ALL)) return true;
  // "subscribers.*" grants every subscribers permission.
  const area = needed.slice(0, needed.indexOf("."));
  return granted.includes(`${area}.*`);
}
