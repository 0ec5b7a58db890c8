import { dispatchPlanCoa } from "@proxpanel/dynauth";
import { and, asc, count, desc, eq, ilike, type SQL, sql } from "drizzle-orm";
import { conflictOn } from "../../db-errors.ts";
import { AppError, ErrorCode, notFound } from "../../errors.ts";
import { type ListInput, likeEscape } from "../../pagination.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";
import { assertV6Pools } from "../ipv6-pools/ipv6-pools.ts";

export interface PlanInput {
  name: string;
  downloadKbps: number;
  uploadKbps: number;
  burstDownloadKbps?: number | null | undefined;
  burstUploadKbps?: number | null | undefined;
  burstThresholdPct?: number | null | undefined;
  burstTimeS?: number | null | undefined;
  quotaBytes?: number | null | undefined;
  quotaPeriod?: "none" | "daily" | "weekly" | "monthly" | undefined;
  fupAction?: "throttle" | "block" | undefined;
  fupDownloadKbps?: number | null | undefined;
  fupUploadKbps?: number | null | undefined;
  validityDays?: number | undefined;
  priceCents?: number | undefined;
  isActive?: boolean | undefined;
  ipPoolId?: string | null | undefined;
  ipv6PoolId?: string | null | undefined;
  delegatedIpv6PoolId?: string | null | undefined;
  simultaneousUse?: number | null | undefined;
  simultaneousUseAction?: "reject" | "disconnect_oldest" | undefined;
}

export const PLAN_SORTS = ["name", "price", "created"] as const;

const uniqueName = conflictOn("A plan with this name already exists.");

/** MikroTik's rate-limit string: "rx/tx [burst-rx/burst-tx threshold-rx/threshold-tx time/time]". */
export function mikrotikRateLimit(p: {
  downloadKbps: number;
  uploadKbps: number;
  burstDownloadKbps: number | null;
  burstUploadKbps: number | null;
  burstThresholdPct: number | null;
  burstTimeS: number | null;
}): string {
  // The NAS sees traffic from its side: rx is the subscriber's upload, tx the download.
  const base = `${p.uploadKbps}k/${p.downloadKbps}k`;
  if (!p.burstDownloadKbps || !p.burstUploadKbps) return base;
  const pct = p.burstThresholdPct ?? 75;
  const th = `${Math.round((p.uploadKbps * pct) / 100)}k/${Math.round((p.downloadKbps * pct) / 100)}k`;
  const time = p.burstTimeS ?? 8;
  return `${base} ${p.burstUploadKbps}k/${p.burstDownloadKbps}k ${th} ${time}/${time}`;
}

export async function listPlans({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: ListInput<(typeof PLAN_SORTS)[number]> & { active?: boolean | undefined };
}) {
  const { t } = ctx.tenant;
  const f: SQL[] = [];
  if (input.search) f.push(ilike(t.servicePlans.name, `%${likeEscape(input.search)}%`));
  if (input.active !== undefined) f.push(eq(t.servicePlans.isActive, input.active));
  const where = f.length ? and(...f) : undefined;
  const col = { name: t.servicePlans.name, price: t.servicePlans.priceCents, created: t.servicePlans.createdAt }[
    input.sort
  ];
  // Spelled out with the schema-qualified outer table: Drizzle leaves columns unqualified in a
  // one-table select, which would bind them to the subquery's own table.
  const subscriberCount = sql<number>`(select count(*)::int from ${t.subscribers} s where s.plan_id = ${t.servicePlans}.id)`;
  const [items, totals] = await Promise.all([
    ctx.db
      .select({ plan: t.servicePlans, subscribers: subscriberCount })
      .from(t.servicePlans)
      .where(where)
      .orderBy(input.order === "asc" ? asc(col) : desc(col), asc(t.servicePlans.id))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    ctx.db.select({ n: count() }).from(t.servicePlans).where(where),
  ]);
  return {
    items: items.map((r) => ({ ...r.plan, subscribers: r.subscribers, rateLimit: mikrotikRateLimit(r.plan) })),
    total: totals[0]?.n ?? 0,
    page: input.page,
    limit: input.limit,
  };
}

export async function getPlan({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  const plan = (await ctx.db.select().from(t.servicePlans).where(eq(t.servicePlans.id, input.id)).limit(1))[0];
  if (!plan) throw notFound("Plan not found");
  return { ...plan, rateLimit: mikrotikRateLimit(plan) };
}

async function assertPool(ctx: ServiceCtx, poolId: string | null | undefined) {
  if (!poolId) return;
  const { t } = ctx.tenant;
  const pool = await ctx.db.select({ id: t.ipPools.id }).from(t.ipPools).where(eq(t.ipPools.id, poolId)).limit(1);
  if (!pool.length) throw new AppError(400, ErrorCode.validation, "ipPoolId: no such IP pool");
}

export async function createPlan({ ctx, input }: { ctx: ServiceCtx; input: PlanInput }) {
  const { t } = ctx.tenant;
  return inTransaction(ctx, async (tx) => {
    await assertPool(tx, input.ipPoolId);
    await assertV6Pools(tx, { ipv6PoolId: input.ipv6PoolId, delegatedIpv6PoolId: input.delegatedIpv6PoolId });
    const [plan] = await tx.db.insert(t.servicePlans).values(input).returning().catch(uniqueName);
    if (!plan) throw new Error("insert returned nothing");
    await writeAudit(tx, { action: "plan.create", entityType: "plan", entityId: plan.id, details: { after: plan } });
    return plan;
  });
}

export async function updatePlan({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { id: string; changes: Partial<PlanInput> };
}) {
  const { t } = ctx.tenant;
  const result = await inTransaction(ctx, async (tx) => {
    const before = (
      await tx.db.select().from(t.servicePlans).where(eq(t.servicePlans.id, input.id)).for("update").limit(1)
    )[0];
    if (!before) throw notFound("Plan not found");
    await assertPool(tx, input.changes.ipPoolId);
    await assertV6Pools(tx, {
      ipv6PoolId: input.changes.ipv6PoolId,
      delegatedIpv6PoolId: input.changes.delegatedIpv6PoolId,
    });
    const [after] = await tx.db
      .update(t.servicePlans)
      .set({ ...input.changes, updatedAt: new Date() })
      .where(eq(t.servicePlans.id, input.id))
      .returning()
      .catch(uniqueName);
    await writeAudit(tx, { action: "plan.update", entityType: "plan", entityId: input.id, details: { before, after } });
    return { plan: after ?? before, rateChanged: mikrotikRateLimit(before) !== mikrotikRateLimit(after ?? before) };
  });
  // Committed: online subscribers on this plan get the new rate (CoA, or Disconnect).
  if (result.rateChanged && ctx.db === ctx.tenant.db) {
    dispatchPlanCoa(ctx.tenant, input.id, mikrotikRateLimit(result.plan));
  }
  return result.plan;
}

export async function deletePlan({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  await inTransaction(ctx, async (tx) => {
    const before = (
      await tx.db.select().from(t.servicePlans).where(eq(t.servicePlans.id, input.id)).for("update").limit(1)
    )[0];
    if (!before) throw notFound("Plan not found");
    const [used] = await tx.db.select({ n: count() }).from(t.subscribers).where(eq(t.subscribers.planId, input.id));
    if (used?.n) {
      throw new AppError(409, ErrorCode.conflict, `${used.n} subscribers use this plan; move them or deactivate it.`);
    }
    await tx.db.delete(t.servicePlans).where(eq(t.servicePlans.id, input.id));
    await writeAudit(tx, { action: "plan.delete", entityType: "plan", entityId: input.id, details: { before } });
  });
}
