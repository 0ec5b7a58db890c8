import { type Executor, superAdminAudit } from "@proxpanel/db";

/** Who asked for a registry change; recorded with it in the cross-tenant audit. */
export interface Actor {
  superAdminId: string | null;
  label: string;
  ip?: string | null;
  requestId?: string | null;
}

export const SYSTEM_ACTOR: Actor = { superAdminId: null, label: "system" };

export async function recordSuperAdminAudit(
  tx: Executor,
  actor: Actor,
  action: string,
  tenantId: string | null,
  details: Record<string, unknown> = {},
): Promise<void> {
  await tx.insert(superAdminAudit).values({
    superAdminId: actor.superAdminId,
    actor: actor.label,
    action,
    tenantId,
    details,
    ip: actor.ip ?? null,
    requestId: actor.requestId ?? null,
  });
}

export function isValidTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}
