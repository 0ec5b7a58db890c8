import { enqueueForSubscriber, type NotificationData, type NotificationEvent } from "@proxpanel/notify";
import type { ServiceCtx } from "./context.ts";

/**
 * Queues the tenant's messages for an event in the caller's transaction: they go out (through the
 * worker) exactly when the payment, invoice or suspension that caused them commits.
 */
export async function notifySubscriber(
  ctx: ServiceCtx,
  event: NotificationEvent,
  subscriberId: string,
  data?: NotificationData,
): Promise<void> {
  await enqueueForSubscriber({ db: ctx.db, t: ctx.tenant.t, slug: ctx.tenant.slug }, { event, subscriberId, data });
}
