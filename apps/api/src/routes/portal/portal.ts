import { unseal } from "@proxpanel/auth";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { AppError, ErrorCode, unauthorized } from "../../errors.ts";
import { listInvoices, renewSubscriber } from "../../services/billing.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";
import { subscriberUsage, tenantTimezone } from "../sessions/sessions.ts";
import { changeSubscriberPlan, sealContext, updateSubscriber } from "../subscribers/subscribers.ts";
import { assertPortalOn, bumpPortalSession, equalSecret } from "./portal-auth.ts";
import { getCurrency } from "./preferences.ts";

/** Every portal service acts for exactly one subscriber: the one whose token it holds. */
export type PortalCtx = ServiceCtx & { subscriberId: string };

async function loadSelf(ctx: PortalCtx) {
  const s = ctx.tenant.t.subscribers;
  const [row] = await ctx.db.select().from(s).where(eq(s.id, ctx.subscriberId)).limit(1);
  if (!row) throw unauthorized("Your account no longer exists.");
  return row;
}

const PLAN_FIELDS = (t: PortalCtx["tenant"]["t"]) => ({
  id: t.servicePlans.id,
  name: t.servicePlans.name,
  downloadKbps: t.servicePlans.downloadKbps,
  uploadKbps: t.servicePlans.uploadKbps,
  quotaBytes: t.servicePlans.quotaBytes,
  quotaPeriod: t.servicePlans.quotaPeriod,
  validityDays: t.servicePlans.validityDays,
  priceCents: t.servicePlans.priceCents,
});

/** The portal's home: who, which plan, until when, how much used and owed, and what may be done. */
export async function portalOverview({ ctx }: { ctx: PortalCtx }) {
  const settings = await assertPortalOn(ctx);
  const { t } = ctx.tenant;
  const sub = await loadSelf(ctx);
  const plan = sub.planId
    ? ((
        await ctx.db.select(PLAN_FIELDS(t)).from(t.servicePlans).where(eq(t.servicePlans.id, sub.planId)).limit(1)
      )[0] ?? null)
    : null;
  const [open] = await ctx.db
    .select({ n: sql<number>`count(*)::int`, cents: sql<number>`coalesce(sum(${t.invoices.amountCents}), 0)::float8` })
    .from(t.invoices)
    .where(and(eq(t.invoices.subscriberId, sub.id), eq(t.invoices.status, "unpaid")));
  const providers = await ctx.db
    .select({ provider: t.paymentProviders.provider })
    .from(t.paymentProviders)
    .where(eq(t.paymentProviders.enabled, true));
  const { passwordEnc: _p, notes: _n, resellerId: _r, macLockOnFirstLogin: _m, ...self } = sub;
  return {
    subscriber: self,
    plan,
    usage: {
      usedBytes: sub.bytesIn + sub.bytesOut,
      quotaBytes: plan?.quotaBytes ?? null,
      since: sub.usageResetAt,
    },
    openInvoices: { count: open?.n ?? 0, amountCents: open?.cents ?? 0 },
    currency: await getCurrency(ctx),
    timezone: await tenantTimezone(ctx),
    settings,
    paymentProviders: settings.allowPayments ? providers.map((p) => p.provider) : [],
  };
}

export async function portalUsage({ ctx, input }: { ctx: PortalCtx; input: { days: number } }) {
  await assertPortalOn(ctx);
  return subscriberUsage({ ctx, input: { id: ctx.subscriberId, days: input.days } });
}

/** Open sessions first, then the most recent closed ones. */
export async function portalSessions({ ctx, input }: { ctx: PortalCtx; input: { limit: number } }) {
  await assertPortalOn(ctx);
  const r = ctx.tenant.t.radacct;
  const cols = {
    id: r.id,
    startTime: r.startTime,
    stopTime: r.stopTime,
    sessionTime: r.sessionTime,
    inputOctets: r.inputOctets,
    outputOctets: r.outputOctets,
    framedIpAddress: r.framedIpAddress,
    callingStationId: r.callingStationId,
    terminateCause: r.terminateCause,
  };
  const [open, recent] = await Promise.all([
    ctx.db
      .select(cols)
      .from(r)
      .where(and(eq(r.subscriberId, ctx.subscriberId), isNull(r.stopTime)))
      .orderBy(desc(r.startTime)),
    ctx.db
      .select(cols)
      .from(r)
      .where(and(eq(r.subscriberId, ctx.subscriberId), sql`${r.stopTime} is not null`))
      .orderBy(desc(r.startTime))
      .limit(input.limit),
  ]);
  return { open, recent };
}

export async function portalInvoices({ ctx, input }: { ctx: PortalCtx; input: { page: number; limit: number } }) {
  await assertPortalOn(ctx);
  const page = await listInvoices({
    ctx,
    input: { ...input, order: "desc", sort: "created", subscriberId: ctx.subscriberId },
  });
  return { ...page, currency: await getCurrency(ctx) };
}

export async function portalPlans({ ctx }: { ctx: PortalCtx }) {
  const settings = await assertPortalOn(ctx);
  const { t } = ctx.tenant;
  const items = await ctx.db
    .select(PLAN_FIELDS(t))
    .from(t.servicePlans)
    .where(eq(t.servicePlans.isActive, true))
    .orderBy(t.servicePlans.priceCents, t.servicePlans.name);
  return { items, allowPlanChange: settings.allowPlanChange, currency: await getCurrency(ctx) };
}

export interface ProfileInput {
  email?: string | null | undefined;
  phone?: string | null | undefined;
  address?: string | null | undefined;
}

export async function updatePortalProfile(
  deps: { key: Buffer },
  { ctx, input }: { ctx: PortalCtx; input: ProfileInput },
) {
  await assertPortalOn(ctx, "allowProfileEdit");
  const updated = await updateSubscriber(deps, { ctx, input: { id: ctx.subscriberId, changes: input } });
  const { notes: _n, resellerId: _r, ...self } = updated;
  return self;
}

/**
 * Changes the subscriber's password (the PPPoE one too, see portal-auth.ts). Every other portal
 * session ends; the caller gets the new session version to sign a fresh token.
 */
export async function changePortalPassword(
  deps: { key: Buffer },
  { ctx, input }: { ctx: PortalCtx; input: { currentPassword: string; newPassword: string } },
) {
  await assertPortalOn(ctx, "allowPasswordChange");
  return inTransaction(ctx, async (tx) => {
    const s = tx.tenant.t.subscribers;
    const [row] = await tx.db.select().from(s).where(eq(s.id, ctx.subscriberId)).for("update").limit(1);
    if (!row) throw unauthorized("Your account no longer exists.");
    let current = "";
    try {
      current = unseal(deps.key, row.passwordEnc, sealContext(row.id));
    } catch {
      current = "";
    }
    if (!current || !equalSecret(current, input.currentPassword)) {
      throw new AppError(400, ErrorCode.validation, "currentPassword: this is not your current password");
    }
    await updateSubscriber(deps, { ctx: tx, input: { id: row.id, changes: { password: input.newPassword } } });
    await bumpPortalSession(tx, row.id);
    return { sessionVersion: row.portalSessionVersion + 1 };
  });
}

/** Renews from the subscriber's prepaid balance (409 insufficient_balance otherwise). */
export async function portalRenew({ ctx }: { ctx: PortalCtx }) {
  await assertPortalOn(ctx, "allowRenew");
  const { subscriber, invoice } = await renewSubscriber({ ctx, input: { subscriberId: ctx.subscriberId } });
  const { notes: _n, resellerId: _r, ...self } = subscriber;
  return { subscriber: self, invoice };
}

export async function portalChangePlan({ ctx, input }: { ctx: PortalCtx; input: { planId: string } }) {
  await assertPortalOn(ctx, "allowPlanChange");
  const sub = await loadSelf(ctx);
  if (sub.planId === input.planId) throw new AppError(409, ErrorCode.conflict, "You are already on this plan.");
  const { subscriber, proration } = await changeSubscriberPlan({
    ctx,
    input: { id: ctx.subscriberId, planId: input.planId },
  });
  const { notes: _n, resellerId: _r, ...self } = subscriber;
  return { subscriber: self, proration };
}

/** The subscriber's own online payment attempts, newest first. */
export async function portalPayments({ ctx, input }: { ctx: PortalCtx; input: { limit: number } }) {
  await assertPortalOn(ctx);
  const p = ctx.tenant.t.onlinePayments;
  const items = await ctx.db
    .select({
      id: p.id,
      provider: p.provider,
      purpose: p.purpose,
      invoiceId: p.invoiceId,
      amountCents: p.amountCents,
      currency: p.currency,
      status: p.status,
      failureReason: p.failureReason,
      createdAt: p.createdAt,
      completedAt: p.completedAt,
    })
    .from(p)
    .where(eq(p.subscriberId, ctx.subscriberId))
    .orderBy(desc(p.createdAt))
    .limit(input.limit);
  return { items };
}
