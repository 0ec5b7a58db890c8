import { hashPassword } from "@proxpanel/auth";
import { and, asc, count, desc, eq, type SQL, sql } from "drizzle-orm";
import { conflictOn } from "../../db-errors.ts";
import { AppError, ErrorCode, forbidden, notFound } from "../../errors.ts";
import { type ListInput, likeEscape, type Page } from "../../pagination.ts";
import { writeAudit } from "../../services/audit.ts";
import { changeResellerBalance } from "../../services/billing.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";
import { type AuthDeps, assertMayGrant, isGrantable } from "../permission-groups/permission-groups.ts";

/** What a reseller's login can do unless the creator says otherwise: its own subscribers only. */
export const DEFAULT_RESELLER_PERMISSIONS = [
  "dashboard.view",
  "subscribers.view",
  "subscribers.create",
  "subscribers.edit",
  "plans.view",
  "sessions.view",
  "billing.view",
  // Scoped to its own row: lets the reseller see its balance.
  "resellers.view",
  // Its own voucher batches, paid from its balance.
  "vouchers.view",
  "vouchers.create",
];

export const RESELLER_SORTS = ["name", "balance", "created"] as const;

const columns = (t: ServiceCtx["tenant"]["t"]) => ({
  id: t.resellers.id,
  name: t.resellers.name,
  userId: t.resellers.userId,
  balanceCents: t.resellers.balanceCents,
  isActive: t.resellers.isActive,
  createdAt: t.resellers.createdAt,
  updatedAt: t.resellers.updatedAt,
  email: t.users.email,
  userStatus: t.users.status,
  permissionGroupId: t.users.permissionGroupId,
  // Qualified by hand: Drizzle may render `${column}` unqualified, binding it to the subquery's table.
  subscribers: sql<number>`(select count(*)::int from ${t.subscribers} s where s.reseller_id = ${t.resellers}.id)`,
});

/** A reseller's login sees itself and nothing else here; it can never change resellers. */
function ownOnly(ctx: ServiceCtx): SQL | undefined {
  return ctx.actor.resellerId ? eq(ctx.tenant.t.resellers.id, ctx.actor.resellerId) : undefined;
}
function assertStaff(ctx: ServiceCtx) {
  if (ctx.actor.resellerId) throw forbidden("Resellers cannot manage resellers");
}

const conflict = conflictOn(
  (c) => `${c?.startsWith("users_") ? "A user with this e-mail" : "A reseller with this name"} already exists.`,
);

export async function listResellers({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: ListInput<(typeof RESELLER_SORTS)[number]>;
}) {
  const { t } = ctx.tenant;
  const f: (SQL | undefined)[] = [ownOnly(ctx)];
  if (input.search) f.push(sql`lower(${t.resellers.name}) like ${`${likeEscape(input.search.toLowerCase())}%`}`);
  const where = and(...f);
  const col = {
    name: sql`lower(${t.resellers.name})`,
    balance: t.resellers.balanceCents,
    created: t.resellers.createdAt,
  }[input.sort];
  const [items, totals] = await Promise.all([
    ctx.db
      .select(columns(t))
      .from(t.resellers)
      .innerJoin(t.users, eq(t.users.id, t.resellers.userId))
      .where(where)
      .orderBy(input.order === "asc" ? asc(col) : desc(col), asc(t.resellers.id))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    ctx.db.select({ n: count() }).from(t.resellers).where(where),
  ]);
  const page: Page<(typeof items)[number]> = { items, total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
  return page;
}

export async function getReseller({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  const row = (
    await ctx.db
      .select(columns(t))
      .from(t.resellers)
      .innerJoin(t.users, eq(t.users.id, t.resellers.userId))
      .where(and(eq(t.resellers.id, input.id), ownOnly(ctx)))
      .limit(1)
  )[0];
  if (!row) throw notFound("Reseller not found");
  return row;
}

export interface CreateResellerInput {
  name: string;
  email: string;
  password: string;
  permissions?: string[] | undefined;
}

/** Group, login and reseller row together, so a failure leaves no half-made reseller behind. */
export async function createReseller({ ctx, input }: { ctx: ServiceCtx; input: CreateResellerInput }) {
  assertStaff(ctx);
  const permissions = [...new Set(input.permissions ?? DEFAULT_RESELLER_PERMISSIONS)].sort();
  if (!permissions.every(isGrantable)) throw new AppError(400, ErrorCode.validation, "permissions: unknown permission");
  const passwordHash = await hashPassword(input.password);
  const { t } = ctx.tenant;
  const id = await inTransaction(ctx, async (tx) => {
    await assertMayGrant(tx, permissions);
    const [group] = await tx.db
      .insert(t.permissionGroups)
      .values({ name: `Reseller: ${input.name}`, description: `Login of reseller ${input.name}`, permissions })
      .returning()
      .catch(conflict);
    const [user] = await tx.db
      .insert(t.users)
      .values({
        email: input.email.toLowerCase(),
        name: input.name,
        passwordHash,
        permissionGroupId: group?.id ?? null,
      })
      .returning({ id: t.users.id, email: t.users.email })
      .catch(conflict);
    if (!group || !user) throw new Error("insert returned nothing");
    const [reseller] = await tx.db
      .insert(t.resellers)
      .values({ name: input.name, userId: user.id })
      .returning()
      .catch(conflict);
    if (!reseller) throw new Error("insert returned nothing");
    await writeAudit(tx, {
      action: "reseller.create",
      entityType: "reseller",
      entityId: reseller.id,
      details: { after: reseller, user, group },
    });
    return reseller.id;
  });
  return getReseller({ ctx, input: { id } });
}

/** Deactivating a reseller also disables its login and retires its tokens at once. */
export async function updateReseller(
  deps: AuthDeps,
  {
    ctx,
    input,
  }: { ctx: ServiceCtx; input: { id: string; changes: { name?: string | undefined; isActive?: boolean | undefined } } },
) {
  assertStaff(ctx);
  const { t } = ctx.tenant;
  const before = await inTransaction(ctx, async (tx) => {
    const row = (await tx.db.select().from(t.resellers).where(eq(t.resellers.id, input.id)).for("update").limit(1))[0];
    if (!row) throw notFound("Reseller not found");
    await tx.db
      .update(t.resellers)
      .set({ ...input.changes, updatedAt: new Date() })
      .where(eq(t.resellers.id, input.id))
      .catch(conflict);
    if (input.changes.isActive !== undefined && input.changes.isActive !== row.isActive) {
      await tx.db
        .update(t.users)
        .set(
          input.changes.isActive
            ? { status: "active", updatedAt: new Date() }
            : { status: "disabled", sessionVersion: sql`${t.users.sessionVersion} + 1`, updatedAt: new Date() },
        )
        .where(eq(t.users.id, row.userId));
    }
    await writeAudit(tx, {
      action: "reseller.update",
      entityType: "reseller",
      entityId: input.id,
      details: { before: row, changes: input.changes },
    });
    return row;
  });
  await deps.principals.invalidate(ctx.tenant.id, before.userId);
  return getReseller({ ctx, input: { id: input.id } });
}

export async function topUpReseller({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { id: string; amountCents: number; description?: string | undefined };
}) {
  assertStaff(ctx);
  return inTransaction(ctx, async (tx) => {
    const transaction = await changeResellerBalance({
      ctx: tx,
      input: {
        resellerId: input.id,
        amountCents: input.amountCents,
        type: "reseller_topup",
        description: input.description ?? "Top-up",
      },
    });
    await writeAudit(tx, {
      action: "reseller.topup",
      entityType: "reseller",
      entityId: input.id,
      details: {
        amountCents: input.amountCents,
        after: { balanceCents: transaction.balanceAfterCents },
        transactionId: transaction.id,
      },
    });
    return transaction;
  });
}

/** A reseller's own view of its account: balance and the latest 20 movements of its balance. */
export async function resellerAccount({ ctx, input }: { ctx: ServiceCtx; input: { resellerId: string } }) {
  const { t } = ctx.tenant;
  const [reseller] = await ctx.db
    .select({ id: t.resellers.id, name: t.resellers.name, balanceCents: t.resellers.balanceCents })
    .from(t.resellers)
    .where(eq(t.resellers.id, input.resellerId))
    .limit(1);
  if (!reseller) throw notFound("Reseller not found");
  const movements = await ctx.db
    .select({
      id: t.transactions.id,
      type: t.transactions.type,
      amountCents: t.transactions.amountCents,
      balanceAfterCents: t.transactions.balanceAfterCents,
      description: t.transactions.description,
      createdAt: t.transactions.createdAt,
    })
    .from(t.transactions)
    .where(eq(t.transactions.resellerId, input.resellerId))
    .orderBy(desc(t.transactions.id))
    .limit(20);
  return { reseller, movements };
}
