import type { TenantScope } from "./enqueue.ts";

/**
 * A message that is not a template and ignores opt-outs: a one-time sign-in code the subscriber
 * asked for itself. Queued like every other message, so the tenant's own gateway sends it, with
 * the same retries and delivery status.
 */
export async function enqueueDirectSms(
  scope: TenantScope,
  input: { subscriberId: string; event: string; to: string; body: string; dedupeKey?: string },
): Promise<number> {
  const o = scope.t.notificationOutbox;
  const [row] = await scope.db
    .insert(o)
    .values({
      subscriberId: input.subscriberId,
      event: input.event,
      channel: "sms",
      recipient: input.to,
      body: input.body,
      dedupeKey: input.dedupeKey ?? null,
    })
    .returning({ id: o.id });
  if (!row) throw new Error("outbox row not written");
  return row.id;
}
