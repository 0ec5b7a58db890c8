import {
  type Db,
  type Executor,
  PG_UNIQUE_VIOLATION,
  pgError,
  plans,
  type Tenant,
  type TenantStatus,
  tenants,
} from "@proxpanel/db";
import { and, asc, count, desc, eq, getTableColumns, ilike, or, type SQL, sql } from "drizzle-orm";
import { type Actor, recordSuperAdminAudit } from "./actor.ts";
import { TenancyError } from "./errors.ts";
import type { TenantResolver } from "./resolver.ts";
import { assertValidSlug } from "./slug.ts";

export interface AdminDeps {
  /** The pool, or a caller's transaction: then each function's own transaction is a savepoint in it. */
  db: Executor;
  resolver: TenantResolver;
}

/** The registry row without the per-tenant secret, which never leaves the server. */
export type TenantSummary = Omit<Tenant, "secret">;

const { secret: _secret, ...summaryColumns } = getTableColumns(tenants);

const SORTS = {
  created: tenants.createdAt,
  slug: tenants.slug,
  company: tenants.companyName,
  status: tenants.status,
  plan: tenants.plan,
} as const;
export type TenantSort = keyof typeof SORTS;

export interface ListTenantsInput {
  search?: string | undefined;
  status?: TenantStatus | undefined;
  plan?: string | undefined;
  page: number;
  limit: number;
  sort: TenantSort;
  order: "asc" | "desc";
}

export async function listTenants(db: Db, input: ListTenantsInput) {
  const filters: SQL[] = [];
  if (input.status) filters.push(eq(tenants.status, input.status));
  if (input.plan) filters.push(eq(tenants.plan, input.plan));
  if (input.search) {
    const like = `%${input.search.replace(/[\\%_]/g, (m) => `\\${m}`)}%`;
    const match = or(ilike(tenants.slug, like), ilike(tenants.companyName, like), ilike(tenants.customDomain, like));
    if (match) filters.push(match);
  }
  const where = and(...filters);
  const order = input.order === "asc" ? asc(SORTS[input.sort]) : desc(SORTS[input.sort]);
  const [items, totals] = await Promise.all([
    db
      .select(summaryColumns)
      .from(tenants)
      .where(where)
      .orderBy(order, asc(tenants.id))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    db.select({ n: count() }).from(tenants).where(where),
  ]);
  return { items, total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
}

export async function getTenant(db: Db, id: string): Promise<TenantSummary> {
  const row = (await db.select(summaryColumns).from(tenants).where(eq(tenants.id, id)).limit(1))[0];
  if (!row) throw new TenancyError("tenant_not_found", "Tenant not found.");
  return row;
}

async function lockTenant(tx: Parameters<Parameters<Db["transaction"]>[0]>[0], id: string) {
  const row = (await tx.select().from(tenants).where(eq(tenants.id, id)).for("update").limit(1))[0];
  if (!row) throw new TenancyError("tenant_not_found", "Tenant not found.");
  return row;
}

const ALLOWED: Record<TenantStatus, readonly TenantStatus[]> = {
  active: ["suspended", "deleted", "migrated"],
  suspended: ["active", "deleted", "migrated"],
  migrated: ["active", "deleted"],
  deleted: ["active"],
};

/** Suspend, resume, soft-delete or mark as migrated; every instance sees the change at once. */
export async function setTenantStatus(
  deps: AdminDeps,
  input: { id: string; status: TenantStatus; migratedTo?: string | null },
  actor: Actor,
): Promise<TenantSummary> {
  const updated = await deps.db.transaction(async (tx) => {
    const row = await lockTenant(tx, input.id);
    if (row.status === input.status) return row;
    if (!ALLOWED[row.status].includes(input.status)) {
      throw new TenancyError("invalid_state", `A ${row.status} tenant cannot become ${input.status}.`);
    }
    if (input.status === "migrated" && !input.migratedTo) {
      throw new TenancyError("invalid_state", "A migrated tenant needs the address of its new home.");
    }
    const [next] = await tx
      .update(tenants)
      .set({
        status: input.status,
        migratedTo: input.status === "migrated" ? (input.migratedTo ?? null) : null,
        deletedAt: input.status === "deleted" ? new Date() : null,
        updatedAt: new Date(),
      })
      .where(eq(tenants.id, input.id))
      .returning();
    await recordSuperAdminAudit(tx, actor, `tenant.status.${input.status}`, input.id, {
      from: row.status,
      to: input.status,
      ...(input.migratedTo ? { migratedTo: input.migratedTo } : {}),
    });
    return next ?? row;
  });
  await deps.resolver.invalidate({ tenantId: input.id });
  const { secret: _s, ...summary } = updated;
  return summary;
}

/**
 * Changes the slug. Id and schema stay, so tokens keep working; the old host stops resolving
 * everywhere as soon as the invalidation lands.
 */
export async function renameTenant(
  deps: AdminDeps,
  input: { id: string; slug: string },
  actor: Actor,
): Promise<TenantSummary> {
  const slug = input.slug.trim().toLowerCase();
  assertValidSlug(slug);
  let oldSlug = "";
  const updated = await deps.db
    .transaction(async (tx) => {
      const row = await lockTenant(tx, input.id);
      oldSlug = row.slug;
      if (row.slug === slug) return row;
      const [next] = await tx
        .update(tenants)
        .set({ slug, updatedAt: new Date() })
        .where(eq(tenants.id, input.id))
        .returning();
      await recordSuperAdminAudit(tx, actor, "tenant.rename", input.id, { from: row.slug, to: slug });
      return next ?? row;
    })
    .catch((err: unknown) => {
      if (pgError(err)?.code === PG_UNIQUE_VIOLATION)
        throw new TenancyError("slug_taken", `The slug "${slug}" is already taken.`);
      throw err;
    });
  await deps.resolver.invalidate({
    tenantId: input.id,
    hosts: [deps.resolver.hostFor(oldSlug), deps.resolver.hostFor(slug)],
  });
  const { secret: _s, ...summary } = updated;
  return summary;
}

export async function updateTenant(
  deps: AdminDeps,
  input: { id: string; plan?: string; subscriberCap?: number; companyName?: string; modules?: string[] | null },
  actor: Actor,
): Promise<TenantSummary> {
  const updated = await deps.db.transaction(async (tx) => {
    const row = await lockTenant(tx, input.id);
    if (input.plan) {
      const plan = (await tx.select().from(plans).where(eq(plans.code, input.plan)).limit(1))[0];
      if (!plan) throw new TenancyError("unknown_plan", `Unknown plan "${input.plan}".`);
    }
    const changes = {
      ...(input.plan !== undefined ? { plan: input.plan } : {}),
      ...(input.subscriberCap !== undefined ? { subscriberCap: input.subscriberCap } : {}),
      ...(input.companyName !== undefined ? { companyName: input.companyName } : {}),
      ...(input.modules !== undefined ? { modules: input.modules } : {}),
    };
    if (Object.keys(changes).length === 0) return row;
    const [next] = await tx
      .update(tenants)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(tenants.id, input.id))
      .returning();
    await recordSuperAdminAudit(tx, actor, "tenant.update", input.id, {
      before: { plan: row.plan, subscriberCap: row.subscriberCap, companyName: row.companyName, modules: row.modules },
      after: changes,
    });
    return next ?? row;
  });
  await deps.resolver.invalidate({ tenantId: input.id });
  const { secret: _s, ...summary } = updated;
  return summary;
}

/**
 * Drops the schema of a soft-deleted tenant and removes its registry row. Irreversible, so only
 * for tenants already deleted, and the caller must repeat the slug.
 */
export async function purgeTenant(deps: AdminDeps, input: { id: string; confirmSlug: string }, actor: Actor) {
  await deps.db.transaction(async (tx) => {
    const row = await lockTenant(tx, input.id);
    if (row.status !== "deleted") throw new TenancyError("invalid_state", "Only a deleted tenant can be purged.");
    if (row.slug !== input.confirmSlug) {
      throw new TenancyError("invalid_state", "The confirmation does not match the tenant's slug.");
    }
    await tx.execute(sql`drop schema if exists ${sql.identifier(row.schemaName)} cascade`);
    await tx.delete(tenants).where(eq(tenants.id, row.id));
    await recordSuperAdminAudit(tx, actor, "tenant.purge", row.id, { slug: row.slug, schemaName: row.schemaName });
  });
  await deps.resolver.invalidate({ tenantId: input.id });
}
