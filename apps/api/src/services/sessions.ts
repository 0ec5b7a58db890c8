import { and, asc, count, desc, eq, gte, isNull, type SQL, sql } from "drizzle-orm";
import { notFound } from "../errors.ts";
import { likeEscape } from "../pagination.ts";
import type { ServiceCtx } from "./context.ts";

export interface ListSessionsInput {
  page: number;
  limit: number;
  search?: string | undefined;
  nasId?: string | undefined;
  online: boolean;
  order: "asc" | "desc";
}

/** Read model over radacct: open sessions (online) or recent history, reseller-scoped. */
export async function listSessions({ ctx, input }: { ctx: ServiceCtx; input: ListSessionsInput }) {
  const { t } = ctx.tenant;
  const r = t.radacct;
  const f: SQL[] = [];
  if (input.online) f.push(isNull(r.stopTime));
  if (input.search) f.push(sql`lower(${r.username}) like ${`${likeEscape(input.search.toLowerCase())}%`}`);
  if (input.nasId) f.push(eq(r.nasId, input.nasId));
  if (ctx.actor.resellerId) {
    f.push(
      sql`${r.subscriberId} in (select ${t.subscribers.id} from ${t.subscribers} where ${t.subscribers.resellerId} = ${ctx.actor.resellerId})`,
    );
  }
  const where = f.length ? and(...f) : undefined;
  const [items, totals] = await Promise.all([
    ctx.db
      .select()
      .from(r)
      .where(where)
      .orderBy(input.order === "asc" ? asc(r.startTime) : desc(r.startTime), asc(r.id))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    ctx.db.select({ n: count() }).from(r).where(where),
  ]);
  return { items, total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
}

/** Daily traffic of one subscriber over the last `days` days (by session start, tenant time zone later). */
export async function subscriberUsage({ ctx, input }: { ctx: ServiceCtx; input: { id: string; days: number } }) {
  const { t } = ctx.tenant;
  const s = t.subscribers;
  const owner = await ctx.db
    .select({ id: s.id })
    .from(s)
    .where(and(eq(s.id, input.id), ctx.actor.resellerId ? eq(s.resellerId, ctx.actor.resellerId) : undefined))
    .limit(1);
  if (!owner.length) throw notFound("Subscriber not found");
  const r = t.radacct;
  const day = sql<string>`to_char(date_trunc('day', ${r.startTime}), 'YYYY-MM-DD')`;
  const rows = await ctx.db
    .select({
      day,
      inputOctets: sql<number>`sum(${r.inputOctets})::float8`,
      outputOctets: sql<number>`sum(${r.outputOctets})::float8`,
      sessions: count(),
    })
    .from(r)
    .where(and(eq(r.subscriberId, input.id), gte(r.startTime, new Date(Date.now() - input.days * 86_400_000))))
    .groupBy(day)
    .orderBy(day);
  return { subscriberId: input.id, days: input.days, usage: rows };
}
