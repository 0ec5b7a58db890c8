import { randomUUID } from "node:crypto";
import { formatIpv6Prefix, parseIpv6Prefix } from "@proxpanel/radius/ipv6";
import { and, asc, count, desc, eq, isNotNull, isNull, or, type SQL, sql } from "drizzle-orm";
import { conflictOn } from "../../db-errors.ts";
import { AppError, ErrorCode, notFound } from "../../errors.ts";
import { type ListInput, likeEscape, type Page } from "../../pagination.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";

export const V6_POOL_SORTS = ["name", "prefix", "created"] as const;
/** Bounds the rows one create writes in its transaction, as for IPv4 pools. */
export const MAX_POOL_PREFIXES = 65_536;

const badInput = (field: string, message: string) => new AppError(400, ErrorCode.validation, `${field}: ${message}`);

/**
 * Every assignable prefix of a pool: `prefix` cut into blocks of `assignLength` bits
 * (2001:db8:100::/40 by /56 gives 65,536 delegated prefixes).
 */
export function poolPrefixes(prefix: string, assignLength: number): string[] {
  const p = parseIpv6Prefix(prefix);
  if (!p) throw badInput("prefix", `${prefix} is not an IPv6 prefix without host bits`);
  if (assignLength < p.length) throw badInput("assignLength", `must be at least the pool's /${p.length}`);
  const bits = assignLength - p.length;
  if (bits > 16) {
    throw badInput(
      "assignLength",
      `a pool holds at most ${MAX_POOL_PREFIXES} prefixes (/${p.length} by /${assignLength} would hold 2^${bits})`,
    );
  }
  const step = 1n << BigInt(128 - assignLength);
  return Array.from({ length: 2 ** bits }, (_, i) =>
    formatIpv6Prefix({ network: p.network + BigInt(i) * step, length: assignLength }),
  );
}

const nameTaken = conflictOn((c) =>
  c === "ipv6_pools_name_key"
    ? "An IPv6 pool with this name already exists."
    : "These prefixes already belong to another pool.",
);

function poolColumns(ctx: ServiceCtx) {
  const { t } = ctx.tenant;
  const p = t.ipv6Pools;
  const a = t.ipv6Allocations;
  return {
    id: p.id,
    name: p.name,
    prefix: p.prefix,
    assignLength: p.assignLength,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    size: sql<number>`(select count(*)::int from ${a} where ${a.poolId} = ${p.id})`,
    used: sql<number>`(select count(*)::int from ${a} where ${a.poolId} = ${p.id} and ${a.subscriberId} is not null)`,
  };
}

export async function listV6Pools({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: ListInput<(typeof V6_POOL_SORTS)[number]>;
}) {
  const { t } = ctx.tenant;
  const p = t.ipv6Pools;
  const where = input.search ? sql`lower(${p.name}) like ${`${likeEscape(input.search.toLowerCase())}%`}` : undefined;
  const col = { name: sql`lower(${p.name})`, prefix: p.prefix, created: p.createdAt }[input.sort];
  const [rows, totals] = await Promise.all([
    ctx.db
      .select(poolColumns(ctx))
      .from(p)
      .where(where)
      .orderBy(input.order === "asc" ? asc(col) : desc(col), asc(p.id))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    ctx.db.select({ n: count() }).from(p).where(where),
  ]);
  const items = rows.map((r) => ({ ...r, free: r.size - r.used }));
  const page: Page<(typeof items)[number]> = { items, total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
  return page;
}

export async function getV6Pool({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  const [row] = await ctx.db.select(poolColumns(ctx)).from(t.ipv6Pools).where(eq(t.ipv6Pools.id, input.id)).limit(1);
  if (!row) throw notFound("IPv6 pool not found");
  return { ...row, free: row.size - row.used };
}

/** The pool and one ipv6_allocations row per assignable prefix, in one transaction. */
export async function createV6Pool({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { name: string; prefix: string; assignLength: number };
}) {
  const { t } = ctx.tenant;
  const prefixes = poolPrefixes(input.prefix, input.assignLength);
  const prefix = formatIpv6Prefix(parseIpv6Prefix(input.prefix) ?? { network: 0n, length: 0 });
  const id = randomUUID();
  await inTransaction(ctx, async (tx) => {
    // One creator at a time per tenant, so the overlap check cannot race another create.
    await tx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`ipv6-pools:${tx.tenant.id}`}))`);
    const [overlap] = await tx.db
      .select({ name: t.ipv6Pools.name })
      .from(t.ipv6Pools)
      .where(sql`${t.ipv6Pools.prefix} && ${prefix}::cidr`)
      .limit(1);
    if (overlap) throw new AppError(409, ErrorCode.conflict, `${prefix} overlaps the IPv6 pool "${overlap.name}".`);
    // The other side of the subscribers' rule (subscribers/static-ipv6.ts), under its lock: a pool
    // around a subscriber's static prefix would hand that prefix, or one around it, to someone else.
    await tx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`static-ipv6:${tx.tenant.id}`}))`);
    const s = t.subscribers;
    const [held] = await tx.db.execute<{ n: number }>(sql`
      select count(*)::int as n from ${s}
      where ${s.staticIpv6Prefix} && ${prefix}::cidr or ${s.delegatedIpv6Prefix} && ${prefix}::cidr`);
    if (held?.n) {
      throw new AppError(
        409,
        ErrorCode.conflict,
        `${prefix} overlaps the static IPv6 prefix of ${held.n} subscriber(s); change theirs or choose another prefix.`,
      );
    }
    await tx.db
      .insert(t.ipv6Pools)
      .values({ id, name: input.name, prefix, assignLength: input.assignLength })
      .catch(nameTaken);
    // One JSON parameter for up to 65,536 prefixes rather than a bound parameter each.
    await tx.db
      .execute(sql`
        insert into ${t.ipv6Allocations} (pool_id, prefix)
        select ${id}::uuid, p::cidr from jsonb_array_elements_text(${JSON.stringify(prefixes)}::jsonb) as p`)
      .catch(nameTaken);
    await writeAudit(tx, {
      action: "ipv6_pool.create",
      entityType: "ipv6_pool",
      entityId: id,
      details: { after: { id, name: input.name, prefix, assignLength: input.assignLength, size: prefixes.length } },
    });
  });
  return getV6Pool({ ctx, input: { id } });
}

export async function renameV6Pool({ ctx, input }: { ctx: ServiceCtx; input: { id: string; name: string } }) {
  const { t } = ctx.tenant;
  await inTransaction(ctx, async (tx) => {
    const [before] = await tx.db.select().from(t.ipv6Pools).where(eq(t.ipv6Pools.id, input.id)).for("update");
    if (!before) throw notFound("IPv6 pool not found");
    const [after] = await tx.db
      .update(t.ipv6Pools)
      .set({ name: input.name, updatedAt: new Date() })
      .where(eq(t.ipv6Pools.id, input.id))
      .returning()
      .catch(nameTaken);
    await writeAudit(tx, {
      action: "ipv6_pool.update",
      entityType: "ipv6_pool",
      entityId: input.id,
      details: { before, after },
    });
  });
  return getV6Pool({ ctx, input: { id: input.id } });
}

/** Refused while a plan names the pool or a subscriber holds one of its prefixes. */
export async function deleteV6Pool({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  const a = t.ipv6Allocations;
  await inTransaction(ctx, async (tx) => {
    const [before] = await tx.db.select().from(t.ipv6Pools).where(eq(t.ipv6Pools.id, input.id)).for("update");
    if (!before) throw notFound("IPv6 pool not found");
    const [plans] = await tx.db
      .select({ n: count() })
      .from(t.servicePlans)
      .where(or(eq(t.servicePlans.ipv6PoolId, input.id), eq(t.servicePlans.delegatedIpv6PoolId, input.id)));
    if (plans?.n) {
      throw new AppError(
        409,
        ErrorCode.conflict,
        `The pool is used by ${plans.n} plan(s); point them elsewhere first.`,
      );
    }
    await tx.db.delete(a).where(and(eq(a.poolId, input.id), isNull(a.subscriberId)));
    const [left] = await tx.db.select({ n: count() }).from(a).where(eq(a.poolId, input.id));
    if (left?.n) {
      throw new AppError(409, ErrorCode.conflict, `${left.n} subscriber(s) still hold a prefix of this pool.`);
    }
    await tx.db.delete(t.ipv6Pools).where(eq(t.ipv6Pools.id, input.id));
    await writeAudit(tx, {
      action: "ipv6_pool.delete",
      entityType: "ipv6_pool",
      entityId: input.id,
      details: { before },
    });
  });
}

export async function listV6Allocations({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { poolId: string; page: number; limit: number; state?: "free" | "used" | undefined };
}) {
  const { t } = ctx.tenant;
  const a = t.ipv6Allocations;
  await getV6Pool({ ctx, input: { id: input.poolId } });
  const f: SQL[] = [eq(a.poolId, input.poolId)];
  if (input.state === "free") f.push(isNull(a.subscriberId));
  if (input.state === "used") f.push(isNotNull(a.subscriberId));
  const where = and(...f);
  const s = t.subscribers;
  // A reseller's login (should one be granted pools.view) reads only its own subscribers' names.
  const visible = ctx.actor.resellerId ? eq(s.resellerId, ctx.actor.resellerId) : undefined;
  const [items, totals] = await Promise.all([
    ctx.db
      .select({ prefix: a.prefix, subscriberId: a.subscriberId, username: s.username, allocatedAt: a.allocatedAt })
      .from(a)
      .leftJoin(s, and(eq(s.id, a.subscriberId), visible))
      .where(where)
      .orderBy(asc(a.prefix))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    ctx.db.select({ n: count() }).from(a).where(where),
  ]);
  return { items, total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
}

/** Ids of IPv6 pools named by a plan must be this tenant's (no foreign key spans tenants' tables). */
export async function assertV6Pools(ctx: ServiceCtx, refs: Record<string, string | null | undefined>) {
  const { t } = ctx.tenant;
  for (const [field, id] of Object.entries(refs)) {
    if (!id) continue;
    const found = await ctx.db.select({ id: t.ipv6Pools.id }).from(t.ipv6Pools).where(eq(t.ipv6Pools.id, id)).limit(1);
    if (!found.length) throw badInput(field, "no such IPv6 pool");
  }
}
