import { and, asc, count, desc, eq, or, type SQL, sql } from "drizzle-orm";
import { likeEscape, type Page } from "../pagination.ts";
import type { ServiceCtx } from "./context.ts";

export const USER_SORTS = ["email", "name", "created"] as const;

export interface ListUsersInput {
  page: number;
  limit: number;
  search?: string | undefined;
  status?: "active" | "disabled" | undefined;
  sort: (typeof USER_SORTS)[number];
  order: "asc" | "desc";
}

export async function listUsers({ ctx, input }: { ctx: ServiceCtx; input: ListUsersInput }) {
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
