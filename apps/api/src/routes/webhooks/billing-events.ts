import {
  type BillingSubscription,
  billingEvents,
  billingSubscriptions,
  type Db,
  plans,
  type Tx,
  tenants,
} from "@proxpanel/db";
import {
  type Actor,
  recordSuperAdminAudit,
  setTenantStatus,
  type TenantResolver,
  updateTenant,
} from "@proxpanel/tenancy";
import { and, eq } from "drizzle-orm";
import { AppError, ErrorCode } from "../../errors.ts";
import type { BillingEvent } from "./billing-events-provider.ts";

export interface BillingDeps {
  db: Db;
  resolver: TenantResolver;
  gracePeriodS: number;
}

export type BillingOutcome =
  | { status: "applied"; tenantId: string; effect: BillingEvent["effect"]["kind"] }
  | { status: "duplicate" }
  | { status: "ignored" };

async function findTenant(tx: Tx, provider: string, event: BillingEvent): Promise<string | null> {
  if (event.tenantId && /^[0-9a-f-]{36}$/i.test(event.tenantId)) {
    const row = (await tx.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, event.tenantId)).limit(1))[0];
    if (row) return row.id;
  }
  if (event.customerId) {
    const row = (
      await tx
        .select({ id: billingSubscriptions.tenantId })
        .from(billingSubscriptions)
        .where(and(eq(billingSubscriptions.provider, provider), eq(billingSubscriptions.customerId, event.customerId)))
        .limit(1)
    )[0];
    if (row) return row.id;
  }
  return null;
}

/**
 * One provider customer pays for one tenant. An event naming a tenant (metadata) with a customer
 * already mapped to another one is refused as a conflict, before anything is written, so the
 * operator sees why instead of a unique-index failure.
 */
async function refuseCustomerOfAnotherTenant(tx: Tx, provider: string, customerId: string, tenantId: string) {
  const other = (
    await tx
      .select({ tenantId: billingSubscriptions.tenantId })
      .from(billingSubscriptions)
      .where(and(eq(billingSubscriptions.provider, provider), eq(billingSubscriptions.customerId, customerId)))
      .limit(1)
  )[0];
  if (other && other.tenantId !== tenantId) {
    throw new AppError(
      409,
      ErrorCode.billingCustomerConflict,
      `Billing customer ${customerId} already belongs to another tenant; one customer pays for one tenant.`,
    );
  }
}

/**
 * Applies one verified event exactly once. The (provider, event id) row is inserted first: a
 * concurrent duplicate blocks on it and then finds it taken, and a failure further on rolls the
 * row back so the provider's retry can succeed.
 */
export async function applyBillingEvent(
  deps: BillingDeps,
  input: { provider: string; event: BillingEvent; actor: Actor },
): Promise<BillingOutcome> {
  const { provider, event, actor } = input;
  let touched: string | null = null;
  const outcome = await deps.db.transaction(async (tx): Promise<BillingOutcome> => {
    const tenantId = event.effect.kind === "ignore" ? null : await findTenant(tx, provider, event);
    if (event.effect.kind !== "ignore" && !tenantId) {
      // Refused (and not recorded) so the provider retries once the mapping exists.
      throw new AppError(
        422,
        ErrorCode.billingTenantUnknown,
        "No tenant matches this event (set metadata.tenant_id on the subscription).",
      );
    }
    const inserted = await tx
      .insert(billingEvents)
      .values({ provider, eventId: event.id, type: event.type, tenantId })
      .onConflictDoNothing()
      .returning({ eventId: billingEvents.eventId });
    if (inserted.length === 0) return { status: "duplicate" };
    if (!tenantId || event.effect.kind === "ignore") return { status: "ignored" };
    touched = tenantId;

    const sub = (
      await tx.select().from(billingSubscriptions).where(eq(billingSubscriptions.tenantId, tenantId)).for("update")
    )[0];
    const audit = (action: string, details: Record<string, unknown>) =>
      recordSuperAdminAudit(tx, actor, action, tenantId, { provider, eventId: event.id, type: event.type, ...details });
    const now = new Date();
    const ids = {
      customerId: event.customerId ?? sub?.customerId ?? null,
      subscriptionId: event.subscriptionId ?? sub?.subscriptionId ?? null,
    };
    if (ids.customerId) await refuseCustomerOfAnotherTenant(tx, provider, ids.customerId, tenantId);

    switch (event.effect.kind) {
      case "plan": {
        const plan = (await tx.select().from(plans).where(eq(plans.code, event.effect.plan)).limit(1))[0];
        if (!plan) {
          throw new AppError(422, ErrorCode.validation, `The event names an unknown plan "${event.effect.plan}".`);
        }
        // The plan carries backup quota and retention; the cap and modules follow it too.
        await updateTenant(
          { db: tx, resolver: deps.resolver },
          { id: tenantId, plan: plan.code, subscriberCap: plan.defaultSubscriberCap, modules: null },
          actor,
        );
        await upsert(tx, tenantId, provider, {
          ...ids,
          plan: plan.code,
          state: "active",
          lapsedAt: null,
          graceUntil: null,
        });
        await resumeIfBillingSuspended(deps, tx, sub, tenantId, actor);
        await audit("billing.plan", { plan: plan.code });
        break;
      }
      case "lapse": {
        if (sub?.state === "lapsed" || sub?.state === "suspended") break;
        const graceUntil = new Date(now.getTime() + deps.gracePeriodS * 1000);
        const current = (await tx.select({ plan: tenants.plan }).from(tenants).where(eq(tenants.id, tenantId)))[0];
        await upsert(tx, tenantId, provider, {
          ...ids,
          plan: sub?.plan ?? current?.plan ?? "trial",
          state: "lapsed",
          lapsedAt: now,
          graceUntil,
        });
        await audit("billing.lapsed", { graceUntil: graceUntil.toISOString() });
        break;
      }
      case "paid": {
        if (!sub || sub.state === "active") break;
        await upsert(tx, tenantId, provider, {
          ...ids,
          plan: sub.plan,
          state: "active",
          lapsedAt: null,
          graceUntil: null,
        });
        await resumeIfBillingSuspended(deps, tx, sub, tenantId, actor);
        await audit("billing.paid", { cancelledLapse: sub.state === "lapsed" });
        break;
      }
    }
    return { status: "applied", tenantId, effect: event.effect.kind };
  });
  // The admin functions invalidated inside the transaction; once more after commit, so no instance
  // can have re-cached the old row in between.
  if (touched) await deps.resolver.invalidate({ tenantId: touched });
  return outcome;
}

async function upsert(
  tx: Tx,
  tenantId: string,
  provider: string,
  values: Omit<typeof billingSubscriptions.$inferInsert, "tenantId" | "provider">,
) {
  await tx
    .insert(billingSubscriptions)
    .values({ tenantId, provider, ...values })
    .onConflictDoUpdate({ target: billingSubscriptions.tenantId, set: { provider, ...values, updatedAt: new Date() } });
}

/** Only a suspension billing caused is lifted by a payment; an operator's own suspension stays. */
async function resumeIfBillingSuspended(
  deps: BillingDeps,
  tx: Tx,
  sub: BillingSubscription | undefined,
  tenantId: string,
  actor: Actor,
) {
  if (sub?.state !== "suspended") return;
  await setTenantStatus({ db: tx, resolver: deps.resolver }, { id: tenantId, status: "active" }, actor);
}
