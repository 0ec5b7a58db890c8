import { AppError } from "../../errors.ts";
import { renewSubscriber } from "../../services/billing.ts";
import type { ServiceCtx } from "../../services/context.ts";
import { changeSubscriberPlan, setSubscriberStatus } from "./subscribers.ts";

export const BULK_ACTIONS = ["renew", "disable", "enable", "change_plan"] as const;
export type BulkAction = (typeof BULK_ACTIONS)[number];

export interface BulkResult {
  id: string;
  ok: boolean;
  error?: { code: string; message: string };
}

/**
 * One action on a selection. Each subscriber is its own transaction (through the single-row
 * service, with its audit entry and its CoA/Disconnect), so one refusal (a short balance, a
 * reseller's foreign id) does not undo or block the others; the answer says which failed and why.
 */
export async function bulkSubscriberAction({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { ids: string[]; action: BulkAction; planId?: string | undefined };
}): Promise<{ results: BulkResult[]; succeeded: number; failed: number }> {
  const results: BulkResult[] = [];
  for (const id of [...new Set(input.ids)]) {
    try {
      if (input.action === "renew") await renewSubscriber({ ctx, input: { subscriberId: id } });
      else if (input.action === "change_plan") {
        await changeSubscriberPlan({ ctx, input: { id, planId: input.planId ?? "" } });
      } else
        await setSubscriberStatus({ ctx, input: { id, status: input.action === "disable" ? "disabled" : "active" } });
      results.push({ id, ok: true });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      results.push({ id, ok: false, error: { code: err.code, message: err.message } });
    }
  }
  const succeeded = results.filter((r) => r.ok).length;
  return { results, succeeded, failed: results.length - succeeded };
}
