import { and, asc, count, desc, eq, gte, lt, type SQL, sql } from "drizzle-orm";
import { likeEscape } from "../../pagination.ts";
import type { ServiceCtx } from "../../services/context.ts";

/** Why RADIUS refused someone, in the words an operator would use on the phone with them. */
export const REASON_TEXT: Record<string, string> = {
  unknown_user: "No subscriber has this username",
  wrong_password: "Wrong password",
  disabled: "The subscriber is disabled",
  expired: "The subscription has expired",
  mac_mismatch: "Connected from another device than the one it is locked to (MAC address)",
  quota: "The data quota for this period is used up",
  unsupported_method: "The router used an authentication method that is not supported",
  tenant_inactive: "This workspace is suspended",
  over_cap: "The workspace is over its subscriber limit",
  simultaneous_use: "Simultaneous-use limit reached: the account already has as many open sessions as it may",
};

export interface ListAuthLogsInput {
  page: number;
  limit: number;
  search?: string | undefined;
  subscriberId?: string | undefined;
  result?: "accept" | "reject" | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  order: "asc" | "desc";
}

/**
 * "Why can't X connect?": the tenant's RADIUS answers, newest first, with the NAS by name and the
 * reason in plain words. A reseller's login sees only its own subscribers' lines.
 */
export async function listAuthLogs({ ctx, input }: { ctx: ServiceCtx; input: ListAuthLogsInput }) {
  const { t } = ctx.tenant;
  const l = t.authLogs;
  const f: SQL[] = [];
  if (input.search) f.push(sql`lower(${l.username}) like ${`${likeEscape(input.search.toLowerCase())}%`}`);
  if (input.subscriberId) f.push(eq(l.subscriberId, input.subscriberId));
  if (input.result) f.push(eq(l.result, input.result));
  if (input.from) f.push(gte(l.createdAt, input.from));
  if (input.to) f.push(lt(l.createdAt, input.to));
  if (ctx.actor.resellerId) {
    f.push(
      sql`${l.subscriberId} in (select ${t.subscribers.id} from ${t.subscribers} where ${t.subscribers.resellerId} = ${ctx.actor.resellerId})`,
    );
  }
  const where = f.length ? and(...f) : undefined;
  const dir = input.order === "asc" ? asc : desc;
  const [rows, totals] = await Promise.all([
    ctx.db
      .select({
        id: l.id,
        createdAt: l.createdAt,
        username: l.username,
        subscriberId: l.subscriberId,
        nasId: l.nasId,
        nasName: t.nasDevices.name,
        result: l.result,
        reason: l.reason,
        method: l.method,
        callingStationId: l.callingStationId,
      })
      .from(l)
      .leftJoin(t.nasDevices, eq(t.nasDevices.id, l.nasId))
      .where(where)
      .orderBy(dir(l.createdAt), dir(l.id))
      .limit(input.limit)
      .offset((input.page - 1) * input.limit),
    ctx.db.select({ n: count() }).from(l).where(where),
  ]);
  const items = rows.map((r) => ({
    ...r,
    reasonText: r.result === "accept" ? "Connected" : r.reason ? (REASON_TEXT[r.reason] ?? r.reason) : "Refused",
  }));
  return { items, total: totals[0]?.n ?? 0, page: input.page, limit: input.limit };
}
