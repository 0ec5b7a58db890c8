import type { ServiceCtx } from "./context.ts";

/** Audit entries go through the caller's transaction so they exist exactly when the change does. */
export async function writeAudit(
  ctx: ServiceCtx,
  entry: { action: string; entityType: string; entityId?: string | null; details?: Record<string, unknown> },
): Promise<void> {
  await ctx.db.insert(ctx.tenant.t.auditLogs).values({
    actorUserId: ctx.actor.userId,
    actorSubscriberId: ctx.actor.subscriberId ?? null,
    actor: ctx.actor.label,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId ?? null,
    details: entry.details ?? {},
    ip: ctx.actor.ip,
    requestId: ctx.actor.requestId,
  });
}
