import {
  type EnqueueResult,
  enqueueForSubscriber,
  enqueueMessage,
  MESSAGE_VARIABLES_EVENT,
  type NotificationChannel,
  validateTemplate,
} from "@proxpanel/notify";
import { describeRoute, resolver } from "hono-openapi";
import { z } from "zod";
import { AppError, ErrorCode } from "../../errors.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";
import { getSubscriber } from "./subscribers.ts";

export const messageBody = z
  .object({
    ids: z.array(z.string().uuid()).min(1).max(200),
    template: z.enum(["expiry_reminder"]).optional(),
    channels: z
      .array(z.enum(["email", "sms"]))
      .max(2)
      .optional(),
    subject: z.string().max(200).optional(),
    text: z.string().max(10_000).optional(),
  })
  .strict()
  .refine((b) => (b.template === undefined) !== (b.text === undefined), {
    message: "text: write a message, or choose a template (not both)",
    path: ["text"],
  });

const enqueued = z.object({
  queued: z.array(z.object({ id: z.number(), channel: z.enum(["email", "sms"]), recipient: z.string() })),
  skipped: z.array(z.object({ channel: z.enum(["email", "sms"]), reason: z.string() })),
});
const messageAnswer = z.object({
  results: z.array(
    z.object({
      id: z.string(),
      ok: z.boolean(),
      queued: enqueued.shape.queued.optional(),
      skipped: enqueued.shape.skipped.optional(),
      error: z.object({ code: z.string(), message: z.string() }).optional(),
    }),
  ),
  queued: z.number(),
  skipped: z.number(),
  failed: z.number(),
});

export const messageDoc = describeRoute({
  summary: "Message a selection of subscribers (the tenant's expiry-reminder templates, or the operator's text)",
  responses: {
    200: {
      description: "Per subscriber: messages queued, channels skipped (opt-out, no address), or why it failed",
      content: { "application/json": { schema: resolver(messageAnswer) } },
    },
  },
});

export interface MessageInput {
  ids: string[];
  /** The tenant's expiry-reminder templates, sent now; or `text` on `channels`. */
  template?: "expiry_reminder" | undefined;
  channels?: NotificationChannel[] | undefined;
  subject?: string | undefined;
  text?: string | undefined;
}

export interface MessageResult {
  id: string;
  ok: boolean;
  queued?: EnqueueResult["queued"];
  skipped?: EnqueueResult["skipped"];
  error?: { code: string; message: string };
}

/** The operator's own text, checked like a template (variables, subject rules, lengths) on every channel. */
function checkText(input: MessageInput): { channels: NotificationChannel[]; subject: string; text: string } {
  const channels = [...new Set(input.channels ?? [])];
  const text = input.text ?? "";
  const subject = input.subject ?? "";
  const issues = channels.flatMap((channel) =>
    validateTemplate({
      event: MESSAGE_VARIABLES_EVENT,
      channel,
      subject: channel === "email" ? subject : "",
      body: text,
    }).map((i) => ({ path: i.path === "body" ? "text" : i.path, message: `${channel}: ${i.message}` })),
  );
  if (!channels.length) issues.push({ path: "channels", message: "Choose e-mail, SMS or both" });
  if (issues.length) {
    throw new AppError(400, ErrorCode.validation, `${issues[0]?.path}: ${issues[0]?.message}`, { issues });
  }
  return { channels, subject, text };
}

/**
 * Queues a message to each subscriber of a selection through the notification outbox (the worker
 * delivers with retries and records the outcome), honouring each one's opt-outs. Each subscriber
 * is its own transaction with its audit entry; one outside the caller's reach (another tenant's,
 * another reseller's, made up) fails alone, named.
 */
export async function messageSubscribers({ ctx, input }: { ctx: ServiceCtx; input: MessageInput }) {
  const own = input.template ? null : checkText(input);
  const results: MessageResult[] = [];
  for (const id of [...new Set(input.ids)]) {
    try {
      const r = await inTransaction(ctx, async (tx) => {
        await getSubscriber({ ctx: tx, input: { id } }); // 404 outside the caller's scope
        const scope = { db: tx.db, t: tx.tenant.t, slug: tx.tenant.slug };
        const queued = own
          ? await enqueueMessage(scope, { subscriberId: id, ...own })
          : await enqueueForSubscriber(scope, { event: "expiry_reminder", subscriberId: id });
        const result = queued ?? { queued: [], skipped: [] };
        await writeAudit(tx, {
          action: "subscriber.message",
          entityType: "subscriber",
          entityId: id,
          details: {
            ...(own ? { channels: own.channels, subject: own.subject, text: own.text } : { template: input.template }),
            queued: result.queued.map((q) => ({ id: q.id, channel: q.channel })),
            skipped: result.skipped,
          },
        });
        return result;
      });
      results.push({ id, ok: true, queued: r.queued, skipped: r.skipped });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      results.push({ id, ok: false, error: { code: err.code, message: err.message } });
    }
  }
  const queued = results.reduce((n, r) => n + (r.queued?.length ?? 0), 0);
  const skipped = results.reduce((n, r) => n + (r.skipped?.length ?? 0), 0);
  return { results, queued, skipped, failed: results.filter((r) => !r.ok).length };
}
