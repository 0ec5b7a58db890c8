import { randomUUID } from "node:crypto";
import { and, asc, count, desc, eq, gte, isNotNull, isNull, lte, type SQL, sql } from "drizzle-orm";
import { conflictOn } from "../../db-errors.ts";
import { AppError, ErrorCode, notFound } from "../../errors.ts";
import { type ListInput, likeEscape, type Page } from "../../pagination.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";

export const POOL_SORTS = ["name", "cidr", "created"] as const;
/** Bounds the rows one create writes in its transaction (a /16 minus nothing). */
export const MAX_POOL_ADDRESSES = 65_536;

// --- IPv4 arithmetic on unsigned 32-bit numbers --------------------------------------------

export function ipv4ToInt(ip: string): number {
  const parts = ip.split(".");
  if (parts.length !== 4) throw new Error(`not an IPv4 address: ${ip}`);
  return parts.reduce((acc, p) => {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) throw new Error(`not an IPv4 address: ${ip}`);
    return acc * 256 + Number(p);
  }, 0);
}

export function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

export interface Ipv4Cidr {
  network: number;
  prefix: number;
  size: number;
}

/** Parses "a.b.c.d/n"; a host part with bits set is refused rather than silently masked. */
export function parseIpv4Cidr(cidr: string): Ipv4Cidr {
  const [ip, bits] = cidr.split("/");
  const prefix = Number(bits);
  if (!ip || !bits || !/^\d{1,2}$/.test(bits) || prefix > 32) throw badInput("cidr", `${cidr} is not an IPv4 CIDR`);
  const addr = ipv4ToInt(ip);
  const size = 2 ** (32 - prefix);
  const network = addr - (addr % size);
  if (network !== addr) {
    throw badInput("cidr", `${cidr} has host bits set; did you mean ${intToIpv4(network)}/${prefix}?`);
  }
  return { network, prefix, size };
}

const badInput = (field: string, message: string) => new AppError(400, ErrorCode.validation, `${field}: ${message}`);

/**
 * The router's address on a subnet when the operator names none: the first usable address. A /31
 * or /32 is point-to-point (RFC 3021) and has no gateway of its own.
 */
export function defaultGateway(cidr: string): string | null {
  const c = parseIpv4Cidr(cidr);
  return c.prefix < 31 ? intToIpv4(c.network + 1) : null;
}

/** A gateway must be an address of the pool's subnet; null means none is kept back. */
function checkGateway(cidr: string, gateway: string | null): string | null {
  if (gateway === null) return null;
  const c = parseIpv4Cidr(cidr);
  const g = ipv4ToInt(gateway);
  if (g < c.network || g >= c.network + c.size) throw badInput("gateway", `must be an address of ${cidr}`);
  return gateway;
}

/** The addresses a pool hands out: network and broadcast excluded unless the prefix is /31 or /32. */
export function poolRange(input: { cidr: string; rangeStart?: string | undefined; rangeEnd?: string | undefined }) {
  const c = parseIpv4Cidr(input.cidr);
  const edge = c.prefix < 31 ? 1 : 0;
  const first = c.network + edge;
  const last = c.network + c.size - 1 - edge;
  const start = input.rangeStart ? ipv4ToInt(input.rangeStart) : first;
  const end = input.rangeEnd ? ipv4ToInt(input.rangeEnd) : last;
  if (start < first || start > last) throw badInput("rangeStart", `must be a usable address of ${input.cidr}`);
  if (end < first || end > last) throw badInput("rangeEnd", `must be a usable address of ${input.cidr}`);
  if (end < start) throw badInput("rangeEnd", "must not come before rangeStart");
  const size = end - start + 1;
  if (size > MAX_POOL_ADDRESSES) {
    throw badInput("cidr", `a pool holds at most ${MAX_POOL_ADDRESSES} addresses (this one would hold ${size})`);
  }
  return { start: intToIpv4(start), end: intToIpv4(end), size };
}

// --- Pools ------------------------------------------------------------------------------------

const nameTaken = conflictOn((c) =>
  c === "ip_pools_name_key"
    ? "An IP pool with this name already exists."
    : "These addresses already belong to another pool.",
);

function poolColumns(ctx: ServiceCtx) {
  const { t } = ctx.tenant;
  const a = t.ipAllocations;
  return {
    id: t.ipPools.id,
    name: t.ipPools.name,
    cidr: t.ipPools.cidr,
    rangeStart: t.ipPools.rangeStart,
    rangeEnd: t.ipPools.rangeEnd,
    gateway: t.ipPools.gateway,
    createdAt: t.ipPools.createdAt,
    updatedAt: t.ipPools.updatedAt,
    size: sql<number>`(select count(*)::int from ${a} where ${a.poolId} = ${t.ipPools.id})`,
    used: sql<number>`(select count(*)::int from ${a} where ${a.poolId} = ${t.ipPools.id} and ${a.subscriberId} is not null)`,
  };
}

export type PoolView = Awaited<ReturnType<typeof getPool>>;

export async function listPools({ ctx, input }: { ctx: ServiceCtx; input: ListInput<(typeof POOL_SORTS)[number]> }) {
  const { t } = ctx.tenant;
  const where = input.search
    ? sql`lower(${t.ipPools.name}) like ${`${likeEscape(input.search.toLowerCase())}%`}`
    : undefined;
  const col = { name: sql`lower(${t.ipPools.name})`, cidr: t.ipPools.cidr, created: t.ipPools.createdAt }[input.sort];
  const [rows, totals] = await Promise.all([
    ctx.db
      .select(poolColumns(ctx))
      .from(t.ipPools)
      .where(where)
      .orderBy(input.order === "asc" ? asc(col) : desc(col), asc(t.ipPools.id))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    ctx.db.select({ n: count() }).from(t.ipPools).where(where),
  ]);
  const items = rows.map((r) => ({ ...r, free: r.size - r.used }));
  const page: Page<(typeof items)[number]> = { items, total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
  return page;
}

export async function getPool({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  const row = (await ctx.db.select(poolColumns(ctx)).from(t.ipPools).where(eq(t.ipPools.id, input.id)).limit(1))[0];
  if (!row) throw notFound("IP pool not found");
  return { ...row, free: row.size - row.used };
}

/**
 * Creates the pool and one ip_allocations row per address but the gateway, in one transaction:
 * the gateway has no row, so no allocation can ever hand it out.
 */
export async function createPool({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: {
    name: string;
    cidr: string;
    rangeStart?: string | undefined;
    rangeEnd?: string | undefined;
    gateway?: string | null | undefined;
  };
}) {
  const { t } = ctx.tenant;
  const range = poolRange(input);
  const gateway = checkGateway(input.cidr, input.gateway === undefined ? defaultGateway(input.cidr) : input.gateway);
  const id = randomUUID();
  await inTransaction(ctx, async (tx) => {
    // One creator at a time per tenant, so the overlap check below cannot race another create.
    await tx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`ip-pools:${tx.tenant.id}`}))`);
    const [overlap] = await tx.db
      .select({ name: t.ipPools.name })
      .from(t.ipPools)
      .where(
        and(lte(t.ipPools.rangeStart, sql`${range.end}::inet`), gte(t.ipPools.rangeEnd, sql`${range.start}::inet`)),
      )
      .limit(1);
    if (overlap) {
      throw new AppError(
        409,
        ErrorCode.conflict,
        `The range ${range.start}–${range.end} overlaps the pool "${overlap.name}".`,
      );
    }
    await tx.db
      .insert(t.ipPools)
      .values({ id, name: input.name, cidr: input.cidr, rangeStart: range.start, rangeEnd: range.end, gateway })
      .catch(nameTaken);
    await tx.db
      .execute(
        sql`insert into ${t.ipAllocations} (pool_id, address)
            select ${id}::uuid, a from (
              select ${range.start}::inet + g as a from generate_series(0::bigint, ${range.size - 1}::bigint) g) r
            where a is distinct from ${gateway}::inet`,
      )
      .catch(nameTaken);
    await writeAudit(tx, {
      action: "ip_pool.create",
      entityType: "ip_pool",
      entityId: id,
      details: { after: { id, name: input.name, cidr: input.cidr, gateway, ...range } },
    });
  });
  return getPool({ ctx, input: { id } });
}

/**
 * Renames, and moves the gateway: the old gateway's address (if inside the range) becomes
 * assignable, the new one's row goes, and a new gateway a subscriber holds is refused (409).
 */
export async function updatePool({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { id: string; name?: string | undefined; gateway?: string | null | undefined };
}) {
  const { t } = ctx.tenant;
  const a = t.ipAllocations;
  await inTransaction(ctx, async (tx) => {
    const [before] = await tx.db.select().from(t.ipPools).where(eq(t.ipPools.id, input.id)).for("update");
    if (!before) throw notFound("IP pool not found");
    const gateway = input.gateway === undefined ? before.gateway : checkGateway(before.cidr, input.gateway);
    if (gateway !== before.gateway) {
      if (gateway) {
        const [held] = await tx.db
          .select({ subscriberId: a.subscriberId })
          .from(a)
          .where(and(eq(a.poolId, input.id), sql`${a.address} = ${gateway}::inet`))
          .for("update");
        if (held?.subscriberId) {
          throw new AppError(
            409,
            ErrorCode.conflict,
            `gateway: ${gateway} is allocated to a subscriber; release it first.`,
          );
        }
        await tx.db.delete(a).where(and(eq(a.poolId, input.id), sql`${a.address} = ${gateway}::inet`));
      }
      if (before.gateway) {
        await tx.db.execute(sql`
          insert into ${a} (pool_id, address)
          select ${input.id}::uuid, ${before.gateway}::inet
          where ${before.gateway}::inet between ${before.rangeStart}::inet and ${before.rangeEnd}::inet
          on conflict do nothing`);
      }
    }
    const [after] = await tx.db
      .update(t.ipPools)
      .set({ ...(input.name !== undefined ? { name: input.name } : {}), gateway, updatedAt: new Date() })
      .where(eq(t.ipPools.id, input.id))
      .returning()
      .catch(nameTaken);
    await writeAudit(tx, {
      action: "ip_pool.update",
      entityType: "ip_pool",
      entityId: input.id,
      details: { before, after },
    });
  });
  return getPool({ ctx, input: { id: input.id } });
}

/**
 * Only free rows are deleted; if an allocated one is left the pool is in use and everything
 * rolls back. An allocation racing this waits on our row locks and then finds nothing free.
 */
export async function deletePool({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  await inTransaction(ctx, async (tx) => {
    const [before] = await tx.db.select().from(t.ipPools).where(eq(t.ipPools.id, input.id)).for("update");
    if (!before) throw notFound("IP pool not found");
    const [plans] = await tx.db
      .select({ n: count() })
      .from(t.servicePlans)
      .where(eq(t.servicePlans.ipPoolId, input.id));
    const [subs] = await tx.db.select({ n: count() }).from(t.subscribers).where(eq(t.subscribers.ipPoolId, input.id));
    if ((plans?.n ?? 0) + (subs?.n ?? 0) > 0) {
      throw new AppError(
        409,
        ErrorCode.conflict,
        `The pool is referenced by ${plans?.n ?? 0} plan(s) and ${subs?.n ?? 0} subscriber(s); point them elsewhere first.`,
      );
    }
    await tx.db
      .delete(t.ipAllocations)
      .where(and(eq(t.ipAllocations.poolId, input.id), isNull(t.ipAllocations.subscriberId)));
    const [left] = await tx.db.select({ n: count() }).from(t.ipAllocations).where(eq(t.ipAllocations.poolId, input.id));
    if ((left?.n ?? 0) > 0) {
      throw new AppError(
        409,
        ErrorCode.conflict,
        `The pool still has ${left?.n} allocated address(es); release them first.`,
      );
    }
    await tx.db.delete(t.ipPools).where(eq(t.ipPools.id, input.id));
    await writeAudit(tx, { action: "ip_pool.delete", entityType: "ip_pool", entityId: input.id, details: { before } });
  });
}

// --- Allocations ------------------------------------------------------------------------------

export async function listAllocations({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: {
    poolId: string;
    page: number;
    limit: number;
    state?: "free" | "used" | undefined;
    search?: string | undefined;
  };
}) {
  const { t } = ctx.tenant;
  const a = t.ipAllocations;
  await getPoolRow(ctx, input.poolId);
  const f: SQL[] = [eq(a.poolId, input.poolId)];
  if (input.state === "free") f.push(isNull(a.subscriberId));
  if (input.state === "used") f.push(isNotNull(a.subscriberId));
  if (input.search) f.push(sql`host(${a.address}) like ${`${likeEscape(input.search)}%`}`);
  const where = and(...f);
  const [items, totals] = await Promise.all([
    ctx.db
      .select({ address: a.address, subscriberId: a.subscriberId, sessionId: a.sessionId, allocatedAt: a.allocatedAt })
      .from(a)
      .where(where)
      .orderBy(asc(a.address))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    ctx.db.select({ n: count() }).from(a).where(where),
  ]);
  return { items, total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
}

async function getPoolRow(ctx: ServiceCtx, id: string) {
  const { t } = ctx.tenant;
  const [pool] = await ctx.db
    .select({ id: t.ipPools.id, name: t.ipPools.name })
    .from(t.ipPools)
    .where(eq(t.ipPools.id, id));
  if (!pool) throw notFound("IP pool not found");
  return pool;
}

/**
 * Hands `subscriberId` the lowest free address of the pool (or the one it already holds there).
 * SKIP LOCKED lets concurrent callers each take a different row instead of queueing on one.
 * Exported for the RADIUS and subscriber code; usable inside the caller's transaction.
 */
export async function allocateAddress({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { poolId: string; subscriberId: string; sessionId?: string | null | undefined };
}): Promise<{ address: string; reused: boolean }> {
  const { t } = ctx.tenant;
  const a = t.ipAllocations;
  return inTransaction(ctx, async (tx) => {
    const pool = await getPoolRow(tx, input.poolId);
    const [sub] = await tx.db
      .select({ id: t.subscribers.id })
      .from(t.subscribers)
      .where(eq(t.subscribers.id, input.subscriberId));
    if (!sub) throw new AppError(400, ErrorCode.validation, "subscriberId: no such subscriber");
    const [held] = await tx.db
      .select({ address: a.address })
      .from(a)
      .where(and(eq(a.poolId, input.poolId), eq(a.subscriberId, input.subscriberId)))
      .limit(1);
    if (held) return { address: held.address, reused: true };
    const rows = await tx.db.execute<{ address: string }>(sql`
      update ${a} set subscriber_id = ${input.subscriberId}, session_id = ${input.sessionId ?? null}, allocated_at = now()
      where (pool_id, address) = (
        select pool_id, address from ${a}
        where pool_id = ${input.poolId} and subscriber_id is null
        order by address limit 1 for update skip locked
      )
      returning host(address) as address`);
    const address = rows[0]?.address;
    if (!address) {
      throw new AppError(409, ErrorCode.poolExhausted, `The IP pool "${pool.name}" has no free address left.`);
    }
    await writeAudit(tx, {
      action: "ip_pool.allocate",
      entityType: "ip_pool",
      entityId: input.poolId,
      details: { address, subscriberId: input.subscriberId },
    });
    return { address, reused: false };
  });
}

/** Frees one address of a pool, or every address a subscriber holds; returns how many. */
export async function releaseAddress({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { poolId: string; address: string } | { subscriberId: string };
}): Promise<number> {
  const { t } = ctx.tenant;
  const a = t.ipAllocations;
  const where =
    "subscriberId" in input
      ? eq(a.subscriberId, input.subscriberId)
      : and(eq(a.poolId, input.poolId), sql`${a.address} = ${input.address}::inet`, isNotNull(a.subscriberId));
  return inTransaction(ctx, async (tx) => {
    const before = await tx.db
      .select({ poolId: a.poolId, address: a.address, subscriberId: a.subscriberId })
      .from(a)
      .where(where)
      .for("update");
    if (!before.length) return 0;
    await tx.db.update(a).set({ subscriberId: null, sessionId: null, allocatedAt: null }).where(where);
    await writeAudit(tx, {
      action: "ip_pool.release",
      entityType: "ip_pool",
      entityId: "poolId" in input ? input.poolId : null,
      details: { before },
    });
    return before.length;
  });
}
