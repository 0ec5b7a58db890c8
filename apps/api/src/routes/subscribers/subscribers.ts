import { randomUUID } from "node:crypto";
import { seal, unseal } from "@proxpanel/auth";
import { tenants } from "@proxpanel/db";
import { dispatchDynAuth } from "@proxpanel/dynauth";
import { and, asc, count, desc, eq, lte, type SQL, sql } from "drizzle-orm";
import { conflictOn } from "../../db-errors.ts";
import { AppError, ErrorCode, forbidden, notFound } from "../../errors.ts";
import { likeEscape } from "../../pagination.ts";
import { writeAudit } from "../../services/audit.ts";
import { changeResellerBalance } from "../../services/billing.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";
import { notifySubscriber } from "../../services/notify.ts";
import { mikrotikRateLimit } from "../plans/plans.ts";
import { prorateOnPlanChange } from "./plan-change.ts";
import { assertStaticIpv6Free } from "./static-ipv6.ts";

export const SUBSCRIBER_SORTS = ["username", "created", "expires", "status"] as const;

export interface SubscriberFields {
  fullName?: string | undefined;
  email?: string | null | undefined;
  phone?: string | null | undefined;
  address?: string | null | undefined;
  notes?: string | undefined;
  staticIp?: string | null | undefined;
  ipPoolId?: string | null | undefined;
  staticIpv6Prefix?: string | null | undefined;
  delegatedIpv6Prefix?: string | null | undefined;
  simultaneousUse?: number | null | undefined;
  macAddress?: string | null | undefined;
  macLockOnFirstLogin?: boolean | undefined;
  expiresAt?: Date | null | undefined;
  notifyEmail?: boolean | undefined;
  notifySms?: boolean | undefined;
  billingMode?: "prepaid" | "postpaid" | undefined;
}

export interface CreateSubscriberInput extends SubscriberFields {
  username: string;
  password: string;
  planId: string;
  status?: "active" | "disabled" | undefined;
  resellerId?: string | null | undefined;
}

/** What API responses show: never the sealed password. */
export function publicSubscriber<T extends { passwordEnc: string }>(row: T): Omit<T, "passwordEnc"> {
  const { passwordEnc: _p, ...rest } = row;
  return rest;
}

export const sealContext = (id: string) => `subscriber:${id}`;

const CONFLICT_FIELDS: Record<string, string> = {
  subscribers_static_ip_key: "static IP",
  subscribers_static_ipv6_key: "static IPv6 prefix",
  subscribers_delegated_ipv6_key: "delegated IPv6 prefix",
};
const conflict = conflictOn((c) => `Another subscriber already has this ${CONFLICT_FIELDS[c ?? ""] ?? "username"}.`);

/** Resellers reach only their own subscribers; everyone else reaches all of the tenant's. */
function scope(ctx: ServiceCtx): SQL | undefined {
  const { t } = ctx.tenant;
  return ctx.actor.resellerId ? eq(t.subscribers.resellerId, ctx.actor.resellerId) : undefined;
}

async function loadForUpdate(ctx: ServiceCtx, id: string) {
  const { t } = ctx.tenant;
  const row = (
    await ctx.db
      .select()
      .from(t.subscribers)
      .where(and(eq(t.subscribers.id, id), scope(ctx)))
      .for("update")
      .limit(1)
  )[0];
  if (!row) throw notFound("Subscriber not found");
  return row;
}

async function activePlan(ctx: ServiceCtx, planId: string) {
  const { t } = ctx.tenant;
  const plan = (await ctx.db.select().from(t.servicePlans).where(eq(t.servicePlans.id, planId)).limit(1))[0];
  if (!plan) throw new AppError(400, ErrorCode.validation, "planId: no such plan");
  if (!plan.isActive) throw new AppError(409, ErrorCode.conflict, `The plan "${plan.name}" is not active.`);
  return plan;
}

/**
 * Ids that name another row must name one of this tenant's: no foreign key spans these columns
 * (a pool or reseller may go while history keeps its id), so a foreign or made-up id is refused
 * here with a 400 naming the field.
 */
async function assertReferences(ctx: ServiceCtx, refs: { ipPoolId?: string | null; resellerId?: string | null }) {
  const { t } = ctx.tenant;
  if (refs.ipPoolId) {
    const found = await ctx.db
      .select({ id: t.ipPools.id })
      .from(t.ipPools)
      .where(eq(t.ipPools.id, refs.ipPoolId))
      .limit(1);
    if (!found.length) throw new AppError(400, ErrorCode.validation, "ipPoolId: no such IP pool");
  }
  if (refs.resellerId) {
    const found = await ctx.db
      .select({ id: t.resellers.id })
      .from(t.resellers)
      .where(eq(t.resellers.id, refs.resellerId))
      .limit(1);
    if (!found.length) throw new AppError(400, ErrorCode.validation, "resellerId: no such reseller");
  }
}

/**
 * The cap is checked and the row inserted under a per-tenant advisory lock, so parallel creations
 * at cap − 1 admit exactly one. A cap lowered below usage blocks creations and removes nothing.
 */
async function assertUnderCap(ctx: ServiceCtx, adding: number) {
  const { t, id } = ctx.tenant;
  await ctx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`subscriber-cap:${id}`}))`);
  const [cap] = await ctx.db.select({ cap: tenants.subscriberCap }).from(tenants).where(eq(tenants.id, id));
  const [used] = await ctx.db.select({ n: count() }).from(t.subscribers);
  const limit = cap?.cap ?? 0;
  if ((used?.n ?? 0) + adding > limit) {
    throw new AppError(
      409,
      ErrorCode.quotaExceeded,
      `Subscriber limit reached (${used?.n ?? 0} of ${limit}); ask your provider to raise it.`,
    );
  }
}

export async function createSubscriber(
  deps: { key: Buffer },
  { ctx, input }: { ctx: ServiceCtx; input: CreateSubscriberInput },
) {
  const { t } = ctx.tenant;
  return inTransaction(ctx, async (tx) => {
    const plan = await activePlan(tx, input.planId);
    await assertReferences(tx, { ipPoolId: input.ipPoolId, resellerId: tx.actor.resellerId ? null : input.resellerId });
    await assertUnderCap(tx, 1);
    const id = randomUUID();
    await assertStaticIpv6Free(tx, id, input);
    const { password, resellerId, ...fields } = input;
    const [row] = await tx.db
      .insert(t.subscribers)
      .values({
        ...fields,
        id,
        passwordEnc: seal(deps.key, password, sealContext(id)),
        // A reseller always creates into its own book.
        resellerId: tx.actor.resellerId ?? resellerId ?? null,
        expiresAt: input.expiresAt ?? new Date(Date.now() + plan.validityDays * 86_400_000),
      })
      .returning()
      .catch(conflict);
    if (!row) throw new Error("insert returned nothing");
    // A reseller pays for the first period from its balance, in this transaction: short of funds,
    // nothing is created (409 insufficient_balance).
    const charge =
      tx.actor.resellerId && plan.priceCents > 0
        ? await changeResellerBalance({
            ctx: tx,
            input: {
              amountCents: -plan.priceCents,
              type: "reseller_charge",
              resellerId: tx.actor.resellerId,
              subscriberId: id,
              description: `New subscriber ${row.username}: ${plan.name} (${plan.validityDays} days)`,
            },
          })
        : undefined;
    await writeAudit(tx, {
      action: "subscriber.create",
      entityType: "subscriber",
      entityId: id,
      details: {
        after: publicSubscriber(row),
        ...(charge ? { chargedTo: { resellerId: charge.resellerId }, transactionId: charge.id } : {}),
      },
    });
    return publicSubscriber(row);
  });
}

export interface ListSubscribersInput {
  page: number;
  limit: number;
  search?: string | undefined;
  status?: "active" | "disabled" | "expired" | undefined;
  planId?: string | undefined;
  resellerId?: string | undefined;
  expiringWithinDays?: number | undefined;
  sort: (typeof SUBSCRIBER_SORTS)[number];
  order: "asc" | "desc";
}

export async function listSubscribers({ ctx, input }: { ctx: ServiceCtx; input: ListSubscribersInput }) {
  const { t } = ctx.tenant;
  const s = t.subscribers;
  const f: SQL[] = [];
  const scoped = scope(ctx);
  if (scoped) f.push(scoped);
  // Prefix search on the username uses its text_pattern_ops index.
  if (input.search) f.push(sql`lower(${s.username}) like ${`${likeEscape(input.search.toLowerCase())}%`}`);
  if (input.status) f.push(eq(s.status, input.status));
  if (input.planId) f.push(eq(s.planId, input.planId));
  if (input.resellerId) f.push(eq(s.resellerId, input.resellerId));
  if (input.expiringWithinDays !== undefined) {
    f.push(lte(s.expiresAt, new Date(Date.now() + input.expiringWithinDays * 86_400_000)));
  }
  const where = f.length ? and(...f) : undefined;
  const col = { username: sql`lower(${s.username})`, created: s.createdAt, expires: s.expiresAt, status: s.status }[
    input.sort
  ];
  const cols = {
    id: s.id,
    username: s.username,
    status: s.status,
    planId: s.planId,
    expiresAt: s.expiresAt,
    staticIp: s.staticIp,
    macAddress: s.macAddress,
    fullName: s.fullName,
    phone: s.phone,
    email: s.email,
    balanceCents: s.balanceCents,
    resellerId: s.resellerId,
    bytesIn: s.bytesIn,
    bytesOut: s.bytesOut,
    lastSeenAt: s.lastSeenAt,
    createdAt: s.createdAt,
    // The open session, if any (radacct_subscriber_idx): one index probe per listed row. The outer
    // id is written table-qualified: Drizzle leaves select-list columns bare, and a bare "id" here
    // would be radacct's.
    online: sql<boolean>`exists (select 1 from ${t.radacct} r where r.subscriber_id = ${s}.id and r.stop_time is null)`,
    framedIp: sql<string | null>`(select host(r.framed_ip_address) from ${t.radacct} r
      where r.subscriber_id = ${s}.id and r.stop_time is null order by r.start_time desc limit 1)`,
  };
  const [items, totals] = await Promise.all([
    ctx.db
      .select(cols)
      .from(s)
      .where(where)
      .orderBy(input.order === "asc" ? asc(col) : desc(col), asc(s.id))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    ctx.db.select({ n: count() }).from(s).where(where),
  ]);
  return { items, total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
}

export async function getSubscriber({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  const row = (
    await ctx.db
      .select()
      .from(t.subscribers)
      .where(and(eq(t.subscribers.id, input.id), scope(ctx)))
      .limit(1)
  )[0];
  if (!row) throw notFound("Subscriber not found");
  return publicSubscriber(row);
}

export async function revealPassword(
  deps: { key: Buffer },
  { ctx, input }: { ctx: ServiceCtx; input: { id: string } },
) {
  return inTransaction(ctx, async (tx) => {
    const row = await loadForUpdate(tx, input.id);
    await writeAudit(tx, { action: "subscriber.password_revealed", entityType: "subscriber", entityId: input.id });
    return unseal(deps.key, row.passwordEnc, sealContext(row.id));
  });
}

export async function updateSubscriber(
  deps: { key: Buffer },
  {
    ctx,
    input,
  }: { ctx: ServiceCtx; input: { id: string; changes: SubscriberFields & { username?: string; password?: string } } },
) {
  const { t } = ctx.tenant;
  return inTransaction(ctx, async (tx) => {
    const before = await loadForUpdate(tx, input.id);
    await assertReferences(tx, { ipPoolId: input.changes.ipPoolId });
    await assertStaticIpv6Free(tx, before.id, input.changes);
    const { password, ...changes } = input.changes;
    const [after] = await tx.db
      .update(t.subscribers)
      .set({
        ...changes,
        ...(password ? { passwordEnc: seal(deps.key, password, sealContext(before.id)) } : {}),
        updatedAt: new Date(),
      })
      .where(eq(t.subscribers.id, input.id))
      .returning()
      .catch(conflict);
    if (!after) throw notFound("Subscriber not found");
    await writeAudit(tx, {
      action: "subscriber.update",
      entityType: "subscriber",
      entityId: input.id,
      details: {
        before: publicSubscriber(before),
        after: publicSubscriber(after),
        ...(password ? { passwordChanged: true } : {}),
      },
    });
    return publicSubscriber(after);
  });
}

export async function setSubscriberStatus({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { id: string; status: "active" | "disabled" };
}) {
  const { t } = ctx.tenant;
  const result = await inTransaction(ctx, async (tx) => {
    const before = await loadForUpdate(tx, input.id);
    if (input.status === "active" && before.expiresAt && before.expiresAt < new Date()) {
      throw new AppError(409, ErrorCode.conflict, "This subscriber has expired; renew instead of enabling.");
    }
    const [after] = await tx.db
      .update(t.subscribers)
      .set({ status: input.status, updatedAt: new Date() })
      .where(eq(t.subscribers.id, input.id))
      .returning();
    await writeAudit(tx, {
      action: input.status === "active" ? "subscriber.enable" : "subscriber.disable",
      entityType: "subscriber",
      entityId: input.id,
      details: { before: { status: before.status }, after: { status: input.status } },
    });
    if (input.status === "disabled" && before.status !== "disabled") {
      await notifySubscriber(tx, "suspension", input.id, { suspension: { reason: "Suspended by your provider" } });
    }
    return publicSubscriber(after ?? before);
  });
  // Committed (when this call owned the transaction): end the live sessions at the NAS.
  if (input.status === "disabled" && ctx.db === ctx.tenant.db) {
    dispatchDynAuth(ctx.tenant, input.id, { kind: "disconnect", reason: "disabled" });
  }
  return result;
}

export async function changeSubscriberPlan({ ctx, input }: { ctx: ServiceCtx; input: { id: string; planId: string } }) {
  const { t } = ctx.tenant;
  let rateLimit: string | null = null;
  const result = await inTransaction(ctx, async (tx) => {
    const before = await loadForUpdate(tx, input.id);
    const plan = await activePlan(tx, input.planId);
    rateLimit = mikrotikRateLimit(plan);
    const [after] = await tx.db
      .update(t.subscribers)
      .set({ planId: input.planId, updatedAt: new Date() })
      .where(eq(t.subscribers.id, input.id))
      .returning();
    // The money follows the plan in the same transaction: a failed credit or charge undoes the change.
    const proration = before.planId === input.planId ? null : await prorateOnPlanChange(tx, before, plan);
    await writeAudit(tx, {
      action: "subscriber.change_plan",
      entityType: "subscriber",
      entityId: input.id,
      details: { before: { planId: before.planId }, after: { planId: input.planId }, proration },
    });
    // Read again: a credit note or a settled charge moved the balance.
    const [fresh] = await tx.db.select().from(t.subscribers).where(eq(t.subscribers.id, input.id));
    return { subscriber: publicSubscriber(fresh ?? after ?? before), proration };
  });
  // Committed: the live session gets the new rate (CoA, or Disconnect where the NAS cannot).
  if (ctx.db === ctx.tenant.db) {
    dispatchDynAuth(ctx.tenant, input.id, { kind: "coa", reason: "plan_change", rateLimit });
  }
  return result;
}

export async function deleteSubscriber({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  if (ctx.actor.resellerId && !ctx.actor.permissions.includes("subscribers.delete")) throw forbidden();
  await inTransaction(ctx, async (tx) => {
    const before = await loadForUpdate(tx, input.id);
    await tx.db
      .update(t.ipAllocations)
      .set({ subscriberId: null, sessionId: null, allocatedAt: null })
      .where(eq(t.ipAllocations.subscriberId, input.id));
    // IPv6 prefixes stay with a subscriber across sessions; they go back to the pool only now.
    await tx.db
      .update(t.ipv6Allocations)
      .set({ subscriberId: null, allocatedAt: null })
      .where(eq(t.ipv6Allocations.subscriberId, input.id));
    await tx.db.delete(t.subscribers).where(eq(t.subscribers.id, input.id));
    await writeAudit(tx, {
      action: "subscriber.delete",
      entityType: "subscriber",
      entityId: input.id,
      details: { before: publicSubscriber(before) },
    });
  });
}

export { assertUnderCap };
