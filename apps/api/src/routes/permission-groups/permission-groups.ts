import { ALL, hasPermission, isPermission, PERMISSIONS, type Permission } from "@proxpanel/auth";
import { asc, count, eq, sql } from "drizzle-orm";
import type { PrincipalCache } from "../../auth/principals.ts";
import { conflictOn } from "../../db-errors.ts";
import { AppError, ErrorCode, forbidden, notFound } from "../../errors.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";

export interface AuthDeps {
  principals: PrincipalCache;
}

const AREAS = new Set(PERMISSIONS.map((p) => p.slice(0, p.indexOf("."))));

/** A grantable name: a catalogue permission, "*", or "<area>.*" for a known area. */
export function isGrantable(p: string): boolean {
  if (p === ALL || isPermission(p)) return true;
  return p.endsWith(".*") && AREAS.has(p.slice(0, -2));
}

/** The catalogue names a grant list confers, as `hasPermission` would answer them. */
export function expandGrants(granted: readonly string[]): Permission[] {
  return PERMISSIONS.filter((p) => hasPermission(granted, p));
}

/**
 * Nobody may hand out (or act on someone holding) access they lack themselves, so users.edit
 * alone cannot climb to "*". The owner is exempt: someone must be able to grant restricted names.
 */
export async function assertMayGrant(ctx: ServiceCtx, permissions: readonly string[]): Promise<void> {
  assertNotReseller(ctx);
  if (await actorIsOwner(ctx)) return;
  const mine = ctx.actor.permissions;
  const ok = permissions.every((p) => {
    if (p === ALL) return mine.includes(ALL);
    if (p.endsWith(".*")) return mine.includes(ALL) || mine.includes(p);
    return isPermission(p) && hasPermission(mine, p);
  });
  if (!ok) throw forbidden("You cannot grant or manage permissions you do not hold yourself");
}

async function actorIsOwner(ctx: ServiceCtx): Promise<boolean> {
  if (!ctx.actor.userId) return false;
  const { t } = ctx.tenant;
  const row = await ctx.db
    .select({ isOwner: t.users.isOwner })
    .from(t.users)
    .where(eq(t.users.id, ctx.actor.userId))
    .limit(1);
  return row[0]?.isOwner === true;
}

function normalize(perms: readonly string[]): string[] {
  const bad = perms.filter((p) => !isGrantable(p));
  if (bad.length) throw new AppError(400, ErrorCode.validation, `permissions: unknown permission ${bad.join(", ")}`);
  return [...new Set(perms)].sort();
}

const uniqueName = conflictOn("A group with this name already exists.");

const memberCount = (t: ServiceCtx["tenant"]["t"]) =>
  // Spelled out: Drizzle leaves columns unqualified in a one-table select, so `${col}` here would
  // bind to the subquery's own table.
  sql<number>`(select count(*)::int from ${t.users} m where m.permission_group_id = ${t.permissionGroups}.id)`;

function assertNotReseller(ctx: ServiceCtx) {
  if (ctx.actor.resellerId) throw forbidden("Resellers cannot manage users or permission groups");
}

export async function listPermissionGroups({ ctx }: { ctx: ServiceCtx; input?: Record<string, never> }) {
  assertNotReseller(ctx);
  const { t } = ctx.tenant;
  const rows = await ctx.db
    .select({ group: t.permissionGroups, members: memberCount(t) })
    .from(t.permissionGroups)
    .orderBy(asc(sql`lower(${t.permissionGroups.name})`));
  return { items: rows.map((r) => ({ ...r.group, members: r.members })), catalogue: PERMISSIONS };
}

export async function getPermissionGroup({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  assertNotReseller(ctx);
  const { t } = ctx.tenant;
  const row = (
    await ctx.db
      .select({ group: t.permissionGroups, members: memberCount(t) })
      .from(t.permissionGroups)
      .where(eq(t.permissionGroups.id, input.id))
      .limit(1)
  )[0];
  if (!row) throw notFound("Permission group not found");
  return { ...row.group, members: row.members };
}

export interface GroupInput {
  name: string;
  description?: string | undefined;
  permissions: string[];
}

export async function createPermissionGroup({ ctx, input }: { ctx: ServiceCtx; input: GroupInput }) {
  const permissions = normalize(input.permissions);
  await assertMayGrant(ctx, permissions);
  return inTransaction(ctx, async (tx) => {
    const [group] = await tx.db
      .insert(tx.tenant.t.permissionGroups)
      .values({ name: input.name, description: input.description ?? "", permissions })
      .returning()
      .catch(uniqueName);
    if (!group) throw new Error("insert returned nothing");
    await writeAudit(tx, {
      action: "group.create",
      entityType: "permission_group",
      entityId: group.id,
      details: { after: group },
    });
    return group;
  });
}

async function lockGroup(ctx: ServiceCtx, id: string) {
  const { t } = ctx.tenant;
  const group = (
    await ctx.db.select().from(t.permissionGroups).where(eq(t.permissionGroups.id, id)).for("update").limit(1)
  )[0];
  if (!group) throw notFound("Permission group not found");
  if (group.isSystem) throw new AppError(409, ErrorCode.conflict, "The system group cannot be changed or deleted.");
  return group;
}

export async function updatePermissionGroup(
  deps: AuthDeps,
  { ctx, input }: { ctx: ServiceCtx; input: { id: string; changes: Partial<GroupInput> } },
) {
  const { t } = ctx.tenant;
  const permissions = input.changes.permissions ? normalize(input.changes.permissions) : undefined;
  const after = await inTransaction(ctx, async (tx) => {
    const before = await lockGroup(tx, input.id);
    // Both sides count: stripping a group is as much an act on its members as widening it.
    await assertMayGrant(tx, [...before.permissions, ...(permissions ?? [])]);
    const [row] = await tx.db
      .update(t.permissionGroups)
      .set({ ...input.changes, ...(permissions ? { permissions } : {}), updatedAt: new Date() })
      .where(eq(t.permissionGroups.id, input.id))
      .returning()
      .catch(uniqueName);
    await writeAudit(tx, {
      action: "group.update",
      entityType: "permission_group",
      entityId: input.id,
      details: { before, after: row },
    });
    return row ?? before;
  });
  // Members are not enumerated here: a tenant-wide drop is one message and group edits are rare.
  if (permissions) await deps.principals.invalidate(ctx.tenant.id);
  return after;
}

export async function deletePermissionGroup({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const { t } = ctx.tenant;
  await inTransaction(ctx, async (tx) => {
    const before = await lockGroup(tx, input.id);
    await assertMayGrant(tx, before.permissions);
    const [used] = await tx.db.select({ n: count() }).from(t.users).where(eq(t.users.permissionGroupId, input.id));
    if (used?.n) throw new AppError(409, ErrorCode.conflict, `${used.n} users belong to this group; move them first.`);
    await tx.db.delete(t.permissionGroups).where(eq(t.permissionGroups.id, input.id));
    await writeAudit(tx, {
      action: "group.delete",
      entityType: "permission_group",
      entityId: input.id,
      details: { before },
    });
  });
}
