import type { TenantDb, TenantTables } from "@proxpanel/db";
import { and, asc, eq, inArray } from "drizzle-orm";
import {
  buildVariables,
  type NotificationChannel,
  type NotificationData,
  type NotificationEvent,
  renderSubject,
  renderText,
} from "./template.ts";

/** A tenant connection or one of its transactions: enqueueing runs inside the caller's. */
export type TenantExecutor = TenantDb | Parameters<Parameters<TenantDb["transaction"]>[0]>[0];

export interface TenantScope {
  db: TenantExecutor;
  t: TenantTables;
  /** Shown as {{company.name}} when the tenant has not set one. */
  slug: string;
}

export interface EnqueueInput {
  event: NotificationEvent;
  subscriberId: string;
  data?: NotificationData | undefined;
  /** Set by scanned events: a second enqueue with the same key for the subscriber adds nothing. */
  dedupeKey?: string | undefined;
}

export interface EnqueueResult {
  queued: { id: number; channel: NotificationChannel; recipient: string }[];
  skipped: { channel: NotificationChannel; reason: string }[];
}

export async function companyAndTimezone(scope: TenantScope) {
  const sp = scope.t.systemPreferences;
  const rows = await scope.db
    .select()
    .from(sp)
    .where(inArray(sp.key, ["company_name", "timezone"]));
  const v = Object.fromEntries(rows.map((r) => [r.key, r.value]));
  return {
    companyName: typeof v.company_name === "string" ? v.company_name : scope.slug,
    timezone: typeof v.timezone === "string" ? v.timezone : "UTC",
  };
}

/**
 * Renders every active template of the event for one subscriber into the outbox, skipping the
 * channels the subscriber opted out of or has no address for. Written through `scope.db`, so
 * inside a payment's or invoice's transaction the messages exist exactly when that change commits;
 * delivery happens later (deliverPending). Returns null when the subscriber does not exist.
 */
export async function enqueueForSubscriber(scope: TenantScope, input: EnqueueInput): Promise<EnqueueResult | null> {
  const { db, t } = scope;
  const sub = (await db.select().from(t.subscribers).where(eq(t.subscribers.id, input.subscriberId)).limit(1))[0];
  if (!sub) return null;
  const templates = await db
    .select()
    .from(t.notificationTemplates)
    .where(and(eq(t.notificationTemplates.event, input.event), eq(t.notificationTemplates.isActive, true)))
    .orderBy(asc(t.notificationTemplates.channel));
  const result: EnqueueResult = { queued: [], skipped: [] };
  if (!templates.length) return result;
  const plan = sub.planId
    ? (
        await db
          .select({ name: t.servicePlans.name, priceCents: t.servicePlans.priceCents })
          .from(t.servicePlans)
          .where(eq(t.servicePlans.id, sub.planId))
          .limit(1)
      )[0]
    : undefined;
  const vars = buildVariables({
    subscriber: sub,
    plan: plan ?? null,
    ...(await companyAndTimezone(scope)),
    data: input.data,
  });
  for (const tpl of templates) {
    const email = tpl.channel === "email";
    if (!(email ? sub.notifyEmail : sub.notifySms)) {
      result.skipped.push({ channel: tpl.channel, reason: `Subscriber opted out of ${email ? "e-mail" : "SMS"}` });
      continue;
    }
    const recipient = (email ? sub.email : sub.phone)?.trim();
    if (!recipient) {
      result.skipped.push({ channel: tpl.channel, reason: `Subscriber has no ${email ? "e-mail" : "phone"}` });
      continue;
    }
    const [row] = await db
      .insert(t.notificationOutbox)
      .values({
        templateId: tpl.id,
        subscriberId: sub.id,
        event: input.event,
        channel: tpl.channel,
        recipient,
        subject: email ? renderSubject(tpl.subject, vars) : "",
        body: renderText(tpl.body, vars),
        dedupeKey: input.dedupeKey ?? null,
      })
      .onConflictDoNothing()
      .returning({ id: t.notificationOutbox.id });
    if (row) result.queued.push({ id: row.id, channel: tpl.channel, recipient });
    else result.skipped.push({ channel: tpl.channel, reason: "Already queued for this occasion" });
  }
  return result;
}
