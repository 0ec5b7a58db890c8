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

type Subscriber = TenantTables["subscribers"]["$inferSelect"];

/** One message for one subscriber on one channel, unless opted out or without an address. */
interface Draft {
  channel: NotificationChannel;
  event: string;
  templateId: string | null;
  subject: string;
  body: string;
}

async function variablesFor(scope: TenantScope, sub: Subscriber, data: NotificationData | undefined) {
  const { db, t } = scope;
  const plan = sub.planId
    ? (
        await db
          .select({ name: t.servicePlans.name, priceCents: t.servicePlans.priceCents })
          .from(t.servicePlans)
          .where(eq(t.servicePlans.id, sub.planId))
          .limit(1)
      )[0]
    : undefined;
  return buildVariables({ subscriber: sub, plan: plan ?? null, ...(await companyAndTimezone(scope)), data });
}

async function queue(
  scope: TenantScope,
  sub: Subscriber,
  vars: Record<string, string>,
  drafts: Draft[],
  dedupeKey: string | undefined,
): Promise<EnqueueResult> {
  const { db, t } = scope;
  const result: EnqueueResult = { queued: [], skipped: [] };
  for (const d of drafts) {
    const email = d.channel === "email";
    if (!(email ? sub.notifyEmail : sub.notifySms)) {
      result.skipped.push({ channel: d.channel, reason: `Subscriber opted out of ${email ? "e-mail" : "SMS"}` });
      continue;
    }
    const recipient = (email ? sub.email : sub.phone)?.trim();
    if (!recipient) {
      result.skipped.push({ channel: d.channel, reason: `Subscriber has no ${email ? "e-mail" : "phone"}` });
      continue;
    }
    const [row] = await db
      .insert(t.notificationOutbox)
      .values({
        templateId: d.templateId,
        subscriberId: sub.id,
        event: d.event,
        channel: d.channel,
        recipient,
        subject: email ? renderSubject(d.subject, vars) : "",
        body: renderText(d.body, vars),
        dedupeKey: dedupeKey ?? null,
      })
      .onConflictDoNothing()
      .returning({ id: t.notificationOutbox.id });
    if (row) result.queued.push({ id: row.id, channel: d.channel, recipient });
    else result.skipped.push({ channel: d.channel, reason: "Already queued for this occasion" });
  }
  return result;
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
  if (!templates.length) return { queued: [], skipped: [] };
  const drafts = templates.map((tpl) => ({
    channel: tpl.channel,
    event: input.event,
    templateId: tpl.id,
    subject: tpl.subject,
    body: tpl.body,
  }));
  return queue(scope, sub, await variablesFor(scope, sub, input.data), drafts, input.dedupeKey);
}

/** An operator's own words to a subscriber: the event-independent variables of templates apply. */
export const MESSAGE_VARIABLES_EVENT = "expiry_reminder" as const;

/**
 * A message an operator writes (not a template), rendered with the subscriber's variables and
 * queued on each channel asked for, with the same opt-outs and address checks as templates; its
 * outbox event is "message". Validate it first with `validateTemplate` (event
 * MESSAGE_VARIABLES_EVENT). Returns null when the subscriber does not exist.
 */
export async function enqueueMessage(
  scope: TenantScope,
  input: { subscriberId: string; channels: NotificationChannel[]; subject: string; text: string },
): Promise<EnqueueResult | null> {
  const { db, t } = scope;
  const sub = (await db.select().from(t.subscribers).where(eq(t.subscribers.id, input.subscriberId)).limit(1))[0];
  if (!sub) return null;
  const drafts = [...new Set(input.channels)].sort().map((channel) => ({
    channel,
    event: "message",
    templateId: null,
    subject: input.subject,
    body: input.text,
  }));
  return queue(scope, sub, await variablesFor(scope, sub, undefined), drafts, undefined);
}
