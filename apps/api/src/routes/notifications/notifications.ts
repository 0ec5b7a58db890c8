import {
  buildVariables,
  type EnqueueInput,
  type EnqueueResult,
  EVENT_VARIABLES,
  enqueueForSubscriber,
  type NotificationChannel,
  type NotificationEvent,
  OUTBOX_STATUSES,
  renderSubject,
  renderText,
  companyAndTimezone as tenantCompanyAndTimezone,
  validateTemplate,
} from "@proxpanel/notify";
import { and, asc, count, desc, eq, type SQL } from "drizzle-orm";
import { conflictOn } from "../../db-errors.ts";
import { AppError, ErrorCode, notFound } from "../../errors.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";

export { OUTBOX_STATUSES };

interface TemplateFields {
  event: NotificationEvent;
  channel: NotificationChannel;
  subject: string;
  body: string;
}

function assertValid(t: TemplateFields) {
  const issues = validateTemplate(t);
  if (issues.length) {
    const summary = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
    throw new AppError(400, ErrorCode.validation, `Invalid template: ${summary}`, issues);
  }
}

const uniqueTemplate = conflictOn("A template for this event and channel already exists.");

export function listVariables() {
  return EVENT_VARIABLES;
}

export async function listTemplates({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { event?: NotificationEvent | undefined; channel?: NotificationChannel | undefined };
}) {
  const nt = ctx.tenant.t.notificationTemplates;
  const f: SQL[] = [];
  if (input.event) f.push(eq(nt.event, input.event));
  if (input.channel) f.push(eq(nt.channel, input.channel));
  // At most one row per (event, channel): the list is short by construction, so no paging.
  const items = await ctx.db
    .select()
    .from(nt)
    .where(f.length ? and(...f) : undefined)
    .orderBy(asc(nt.event), asc(nt.channel));
  return { items };
}

export async function getTemplate({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const nt = ctx.tenant.t.notificationTemplates;
  const row = (await ctx.db.select().from(nt).where(eq(nt.id, input.id)).limit(1))[0];
  if (!row) throw notFound("Template not found");
  return row;
}

export async function createTemplate({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: TemplateFields & { isActive?: boolean | undefined };
}) {
  assertValid(input);
  const nt = ctx.tenant.t.notificationTemplates;
  return inTransaction(ctx, async (tx) => {
    const [row] = await tx.db.insert(nt).values(input).returning().catch(uniqueTemplate);
    if (!row) throw new Error("insert returned nothing");
    await writeAudit(tx, {
      action: "notification_template.create",
      entityType: "notification_template",
      entityId: row.id,
      details: { after: row },
    });
    return row;
  });
}

export async function updateTemplate({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: {
    id: string;
    changes: { subject?: string | undefined; body?: string | undefined; isActive?: boolean | undefined };
  };
}) {
  const nt = ctx.tenant.t.notificationTemplates;
  return inTransaction(ctx, async (tx) => {
    const before = (await tx.db.select().from(nt).where(eq(nt.id, input.id)).for("update").limit(1))[0];
    if (!before) throw notFound("Template not found");
    // Validated as a whole: changing only the body must still fit the stored event's variables.
    assertValid({ ...before, ...stripUndefined(input.changes) });
    const [after] = await tx.db
      .update(nt)
      .set({ ...input.changes, updatedAt: new Date() })
      .where(eq(nt.id, input.id))
      .returning();
    await writeAudit(tx, {
      action: "notification_template.update",
      entityType: "notification_template",
      entityId: input.id,
      details: { before, after },
    });
    return after ?? before;
  });
}

const stripUndefined = <T extends object>(o: T) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

export async function deleteTemplate({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const nt = ctx.tenant.t.notificationTemplates;
  await inTransaction(ctx, async (tx) => {
    const [before] = await tx.db.delete(nt).where(eq(nt.id, input.id)).returning();
    if (!before) throw notFound("Template not found");
    await writeAudit(tx, {
      action: "notification_template.delete",
      entityType: "notification_template",
      entityId: input.id,
      details: { before },
    });
  });
}

const companyAndTimezone = (ctx: ServiceCtx) =>
  tenantCompanyAndTimezone({ db: ctx.db, t: ctx.tenant.t, slug: ctx.tenant.slug });

/** Renders a template (saved or not) against made-up subscriber data and the real company name. */
export async function previewTemplate({ ctx, input }: { ctx: ServiceCtx; input: TemplateFields }) {
  assertValid(input);
  const { companyName, timezone } = await companyAndTimezone(ctx);
  const now = new Date();
  const vars = buildVariables({
    subscriber: {
      username: "jdoe",
      fullName: "Jane Doe",
      email: "jane.doe@example.com",
      phone: "+15550100",
      expiresAt: new Date(now.getTime() + 3 * 86_400_000),
      balanceCents: 1250,
    },
    plan: { name: "Home 50M", priceCents: 2500 },
    companyName,
    timezone,
    now,
    data: {
      invoice: { number: 1042, amountCents: 2500, dueAt: new Date(now.getTime() + 7 * 86_400_000) },
      quota: { percent: 80, usedBytes: 80e9, limitBytes: 100e9 },
    },
  });
  return {
    subject: input.channel === "email" ? renderSubject(input.subject, vars) : "",
    body: renderText(input.body, vars),
  };
}

/**
 * Renders every active template of the event for one subscriber into the outbox, through ctx.db:
 * called inside a payment's or invoice's transaction, the messages exist exactly when that change
 * commits. A reseller's login reaches only its own subscribers.
 */
export async function enqueueNotification({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: EnqueueInput;
}): Promise<EnqueueResult> {
  const s = ctx.tenant.t.subscribers;
  if (ctx.actor.resellerId) {
    const own = await ctx.db
      .select({ id: s.id })
      .from(s)
      .where(and(eq(s.id, input.subscriberId), eq(s.resellerId, ctx.actor.resellerId)))
      .limit(1);
    if (!own.length) throw notFound("Subscriber not found");
  }
  const result = await enqueueForSubscriber({ db: ctx.db, t: ctx.tenant.t, slug: ctx.tenant.slug }, input);
  if (!result) throw notFound("Subscriber not found");
  return result;
}

export async function listOutbox({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: {
    page: number;
    limit: number;
    status?: (typeof OUTBOX_STATUSES)[number] | undefined;
    event?: NotificationEvent | undefined;
    subscriberId?: string | undefined;
    order: "asc" | "desc";
  };
}) {
  const o = ctx.tenant.t.notificationOutbox;
  const f: SQL[] = [];
  if (input.status) f.push(eq(o.status, input.status));
  if (input.event) f.push(eq(o.event, input.event));
  if (input.subscriberId) f.push(eq(o.subscriberId, input.subscriberId));
  const where = f.length ? and(...f) : undefined;
  const [items, totals] = await Promise.all([
    ctx.db
      .select()
      .from(o)
      .where(where)
      .orderBy(input.order === "asc" ? asc(o.id) : desc(o.id))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    ctx.db.select({ n: count() }).from(o).where(where),
  ]);
  return { items, total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
}
