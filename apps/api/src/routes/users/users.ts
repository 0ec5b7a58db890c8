import { hashPassword } from "@proxpanel/auth";
import { and, asc, count, desc, eq, or, type SQL, sql } from "drizzle-orm";
import { conflictOn } from "../../db-errors.ts";
import { AppError, ErrorCode, forbidden, notFound } from "../../errors.ts";
import { likeEscape, type Page } from "../../pagination.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";
import { type AuthDeps, assertMayGrant } from "../permission-groups/permission-groups.ts";

export const USER_SORTS = ["email", "name", "created"] as const;

export interface ListUsersInput {
  page: number;
  limit: number;
  search?: string | undefined;
  status?: "active" | "disabled" | undefined;
  sort: (typeof USER_SORTS)[number];
  order: "asc" | "desc";
}

/** A reseller's login manages subscribers, never the tenant's staff, whatever its group says. */
function assertNotReseller(ctx: ServiceCtx) {
  if (ctx.actor.resellerId) throw forbidden("Resellers cannot manage users");
}

export async function listUsers({ ctx, input }: { ctx: ServiceCtx; input: ListUsersInput }) {
  assertNotReseller(ctx);
  const { t } = ctx.tenant;
  const filters: SQL[] = [];
  if (input.status) filters.push(eq(t.users.status, input.status));
  if (input.search) {
    const term = likeEscape(input.search.toLowerCase());
    // Prefix matches on e-mail or name, each served by a text_pattern_ops index.
    const match = or(sql`lower(${t.users.email}) like ${`${term}%`}`, sql`lower(${t.users.name}) like ${`${term}%`}`);
    if (match) filters.push(match);
  }
  const where = filters.length ? and(...filters) : undefined;
  const col = { email: sql`lower(${t.users.email})`, name: t.users.name, created: t.users.createdAt }[input.sort];
  const columns = {
    id: t.users.id,
    email: t.users.email,
    name: t.users.name,
    status: t.users.status,
    isOwner: t.users.isOwner,
    permissionGroupId: t.users.permissionGroupId,
    lastLoginAt: t.users.lastLoginAt,
    createdAt: t.users.createdAt,
  };
  const [items, totals] = await Promise.all([
    ctx.db
      .select(columns)
      .from(t.users)
      .where(where)
      .orderBy(input.order === "asc" ? asc(col) : desc(col), asc(t.users.id))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    ctx.db.select({ n: count() }).from(t.users).where(where),
  ]);
  const page: Page<(typeof items)[number]> = { items, total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
  return page;
}

// ---- management ------------------------------------------------------------------------------

const userColumns = (t: ServiceCtx["tenant"]["t"]) => ({
  id: t.users.id,
  email: t.users.email,
  name: t.users.name,
  status: t.users.status,
  isOwner: t.users.isOwner,
  permissionGroupId: t.users.permissionGroupId,
  sessionVersion: t.users.sessionVersion,
  lastLoginAt: t.users.lastLoginAt,
  createdAt: t.users.createdAt,
  updatedAt: t.users.updatedAt,
});
type UserRow = Awaited<ReturnType<typeof lockUser>>;

function publicUser({ sessionVersion: _sv, ...u }: UserRow) {
  return u;
}

export async function getUser({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  assertNotReseller(ctx);
  const { t } = ctx.tenant;
  const row = (
    await ctx.db
      .select({ ...userColumns(t), permissions: t.permissionGroups.permissions, groupName: t.permissionGroups.name })
      .from(t.users)
      .leftJoin(t.permissionGroups, eq(t.permissionGroups.id, t.users.permissionGroupId))
      .where(eq(t.users.id, input.id))
      .limit(1)
  )[0];
  if (!row) throw notFound("User not found");
  const { sessionVersion: _sv, permissions, ...user } = row;
  return { ...user, permissions: permissions ?? [] };
}

/** Locks the group for the rest of the transaction so it cannot be deleted under a new member. */
async function groupPermissions(ctx: ServiceCtx, groupId: string | null): Promise<string[]> {
  if (!groupId) return [];
  const { t } = ctx.tenant;
  const g = (
    await ctx.db
      .select({ permissions: t.permissionGroups.permissions })
      .from(t.permissionGroups)
      .where(eq(t.permissionGroups.id, groupId))
      .for("share")
      .limit(1)
  )[0];
  if (!g) throw new AppError(400, ErrorCode.validation, "permissionGroupId: no such permission group");
  return g.permissions;
}

async function lockUser(ctx: ServiceCtx, id: string) {
  const { t } = ctx.tenant;
  const user = (await ctx.db.select(userColumns(t)).from(t.users).where(eq(t.users.id, id)).for("update").limit(1))[0];
  if (!user) throw notFound("User not found");
  return user;
}

/**
 * Acting on a user is acting with their access: the caller must hold everything the target's
 * group grants, only the owner touches the owner, and nobody locks themselves out.
 */
async function assertMayManage(ctx: ServiceCtx, user: UserRow, opts: { selfAllowed: boolean }) {
  if (user.isOwner && ctx.actor.userId !== user.id) throw forbidden("Only the owner can change the owner's account");
  if (!opts.selfAllowed && ctx.actor.userId === user.id) {
    throw new AppError(409, ErrorCode.conflict, "You cannot do this to your own account.");
  }
  await assertMayGrant(ctx, await groupPermissions(ctx, user.permissionGroupId));
}

const uniqueEmail = conflictOn("A user with this e-mail already exists.");

export interface CreateUserInput {
  email: string;
  name?: string | undefined;
  password: string;
  permissionGroupId?: string | null | undefined;
}

export async function createUser({ ctx, input }: { ctx: ServiceCtx; input: CreateUserInput }) {
  const { t } = ctx.tenant;
  const passwordHash = await hashPassword(input.password);
  return inTransaction(ctx, async (tx) => {
    await assertMayGrant(tx, await groupPermissions(tx, input.permissionGroupId ?? null));
    const [user] = await tx.db
      .insert(t.users)
      .values({
        email: input.email.toLowerCase(),
        name: input.name ?? "",
        passwordHash,
        permissionGroupId: input.permissionGroupId ?? null,
      })
      .returning(userColumns(t))
      .catch(uniqueEmail);
    if (!user) throw new Error("insert returned nothing");
    await writeAudit(tx, {
      action: "user.create",
      entityType: "user",
      entityId: user.id,
      details: { after: publicUser(user) },
    });
    return publicUser(user);
  });
}

interface UserChange {
  name?: string;
  permissionGroupId?: string | null;
  status?: "active" | "disabled";
  passwordHash?: string;
  /** Bumps session_version: every token issued so far stops working. */
  retireSessions?: boolean;
}

/** Shared by every mutation below: lock, check, change, audit, then drop cached auth everywhere. */
async function mutateUser(
  deps: AuthDeps,
  ctx: ServiceCtx,
  id: string,
  action: string,
  change: (tx: ServiceCtx, before: UserRow) => Promise<UserChange>,
  opts: { selfAllowed: boolean },
) {
  const { t } = ctx.tenant;
  const after = await inTransaction(ctx, async (tx) => {
    const before = await lockUser(tx, id);
    await assertMayManage(tx, before, opts);
    const { retireSessions, ...set } = await change(tx, before);
    const [row] = await tx.db
      .update(t.users)
      .set({
        ...set,
        ...(retireSessions ? { sessionVersion: sql`${t.users.sessionVersion} + 1` } : {}),
        updatedAt: new Date(),
      })
      .where(eq(t.users.id, id))
      .returning(userColumns(t));
    if (!row) throw notFound("User not found");
    await writeAudit(tx, {
      action,
      entityType: "user",
      entityId: id,
      details: { before: publicUser(before), after: publicUser(row) },
    });
    return row;
  });
  // After commit, so no instance can re-read the old row into its cache. A caller that passes its
  // own transaction must invalidate again once it commits.
  await deps.principals.invalidate(ctx.tenant.id, id);
  return publicUser(after);
}

export async function updateUser(
  deps: AuthDeps,
  {
    ctx,
    input,
  }: {
    ctx: ServiceCtx;
    input: { id: string; changes: { name?: string | undefined; permissionGroupId?: string | null | undefined } };
  },
) {
  const { name, permissionGroupId } = input.changes;
  return mutateUser(
    deps,
    ctx,
    input.id,
    "user.update",
    async (tx, before) => {
      if (permissionGroupId !== undefined && permissionGroupId !== before.permissionGroupId) {
        if (before.isOwner) throw new AppError(409, ErrorCode.conflict, "The owner's group cannot be changed.");
        if (tx.actor.userId === before.id)
          throw new AppError(409, ErrorCode.conflict, "You cannot change your own group.");
        await assertMayGrant(tx, await groupPermissions(tx, permissionGroupId));
      }
      return {
        ...(name !== undefined ? { name } : {}),
        ...(permissionGroupId !== undefined ? { permissionGroupId } : {}),
      };
    },
    { selfAllowed: true },
  );
}

export async function setUserStatus(
  deps: AuthDeps,
  { ctx, input }: { ctx: ServiceCtx; input: { id: string; status: "active" | "disabled" } },
) {
  return mutateUser(
    deps,
    ctx,
    input.id,
    input.status === "disabled" ? "user.disable" : "user.enable",
    async (_tx, before) => {
      if (before.isOwner) throw new AppError(409, ErrorCode.conflict, "The owner cannot be disabled.");
      // Disabling also retires every token, so enabling again does not revive old sessions.
      return input.status === "disabled" && before.status === "active"
        ? { status: "disabled", retireSessions: true }
        : { status: input.status };
    },
    { selfAllowed: false },
  );
}

export async function resetUserPassword(
  deps: AuthDeps,
  { ctx, input }: { ctx: ServiceCtx; input: { id: string; password: string } },
) {
  const passwordHash = await hashPassword(input.password);
  return mutateUser(deps, ctx, input.id, "user.reset_password", async () => ({ passwordHash, retireSessions: true }), {
    selfAllowed: true,
  });
}

export async function deleteUser(deps: AuthDeps, { ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  await inTransaction(ctx, async (tx) => {
    const before = await lockUser(tx, input.id);
    if (before.isOwner) throw new AppError(409, ErrorCode.conflict, "The owner cannot be deleted.");
    await assertMayManage(tx, before, { selfAllowed: false });
    const reseller = await tx.db
      .select({ id: t.resellers.id })
      .from(t.resellers)
      .where(eq(t.resellers.userId, input.id))
      .limit(1);
    if (reseller.length) {
      throw new AppError(409, ErrorCode.conflict, "This user is a reseller's login; deactivate the reseller instead.");
    }
    await tx.db.delete(t.users).where(eq(t.users.id, input.id));
    await writeAudit(tx, {
      action: "user.delete",
      entityType: "user",
      entityId: input.id,
      details: { before: publicUser(before) },
    });
  });
  await deps.principals.invalidate(ctx.tenant.id, input.id);
}
