/**
 * Named permissions a tenant's permission groups grant. Later features add their own names here;
 * the owner's group holds "*" and so gains them without a data change.
 */
export const PERMISSIONS = [
  "dashboard.view",
  "subscribers.view",
  "subscribers.create",
  "subscribers.edit",
  "subscribers.delete",
  "plans.view",
  "plans.manage",
  "nas.view",
  "nas.manage",
  "pools.view",
  "pools.manage",
  "sessions.view",
  "sessions.disconnect",
  "billing.view",
  "billing.manage",
  "resellers.view",
  "resellers.manage",
  "users.view",
  "users.manage",
  "audit.view",
  "settings.view",
  "settings.edit",
  "backups.view",
  "backups.create",
  "backups.restore",
  "backups.delete",
] as const;

export type Permission = (typeof PERMISSIONS)[number];
export const ALL = "*";

export function isPermission(p: string): p is Permission {
  return (PERMISSIONS as readonly string[]).includes(p);
}

export function hasPermission(granted: readonly string[], needed: Permission): boolean {
  if (granted.includes(ALL) || granted.includes(needed)) return true;
  // "subscribers.*" grants every subscribers permission.
  const area = needed.slice(0, needed.indexOf("."));
  return granted.includes(`${area}.*`);
}
