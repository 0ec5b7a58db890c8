import { sql } from "drizzle-orm";
import { AppError, ErrorCode } from "../../errors.ts";
import type { ServiceCtx } from "../../services/context.ts";

type Field = "staticIpv6Prefix" | "delegatedIpv6Prefix";

/**
 * A static IPv6 prefix must be the subscriber's alone. The unique keys only catch the very same
 * prefix in the same column (a 409, as for a duplicate static IPv4); a /64 inside another
 * subscriber's delegated /56, or a prefix inside one of the tenant's IPv6 pools (RADIUS would hand
 * it, or a prefix around it, to someone else), would route one customer's traffic to another.
 * Refused with a 400 naming the field. Checked under a per-tenant advisory lock so two requests
 * cannot each pass with overlapping prefixes.
 */
export async function assertStaticIpv6Free(
  ctx: ServiceCtx,
  subscriberId: string,
  prefixes: Partial<Record<Field, string | null | undefined>>,
): Promise<void> {
  const wanted = (["staticIpv6Prefix", "delegatedIpv6Prefix"] as const).filter((f) => prefixes[f]);
  if (!wanted.length) return;
  const { t, id: tenantId } = ctx.tenant;
  await ctx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`static-ipv6:${tenantId}`}))`);
  for (const field of wanted) {
    const prefix = prefixes[field] as string;
    const [pool] = await ctx.db.execute<{ name: string; prefix: string }>(sql`
      select name, prefix::text from ${t.ipv6Pools} where prefix && ${prefix}::cidr order by name limit 1`);
    if (pool) {
      throw new AppError(
        400,
        ErrorCode.validation,
        `${field}: ${prefix} overlaps the IPv6 pool "${pool.name}" (${pool.prefix}), whose prefixes are handed out dynamically.`,
      );
    }
    const s = t.subscribers;
    // The same prefix in the same column is left to the unique key (409, like a static IPv4).
    const overlaps = (col: Field) => {
      const c = col === "staticIpv6Prefix" ? s.staticIpv6Prefix : s.delegatedIpv6Prefix;
      return col === field ? sql`(${c} && ${prefix}::cidr and ${c} <> ${prefix}::cidr)` : sql`${c} && ${prefix}::cidr`;
    };
    const [other] = await ctx.db.execute<{ id: string }>(sql`
      select id from ${s} where id <> ${subscriberId}::uuid
        and (${overlaps("staticIpv6Prefix")} or ${overlaps("delegatedIpv6Prefix")}) limit 1`);
    if (other) {
      throw new AppError(
        400,
        ErrorCode.validation,
        `${field}: ${prefix} overlaps another subscriber's static IPv6 prefix.`,
      );
    }
  }
}

/**
 * The same rule for a CSV import, once its rows are inserted (so imported rows are checked against
 * each other too), set-based: only rows carrying a prefix take part. `lines` maps each imported id
 * to its CSV line, which the 400 names with the column.
 */
export async function assertImportedIpv6Free(ctx: ServiceCtx, lines: Map<string, number>): Promise<void> {
  const { t, id: tenantId } = ctx.tenant;
  const s = t.subscribers;
  const ids = JSON.stringify([...lines.keys()]);
  await ctx.db.execute(sql`select pg_advisory_xact_lock(hashtext(${`static-ipv6:${tenantId}`}))`);
  for (const [column, other] of [
    ["static_ipv6_prefix", "delegated_ipv6_prefix"],
    ["delegated_ipv6_prefix", "static_ipv6_prefix"],
  ] as const) {
    const mine = sql.identifier(column);
    const theirs = sql.identifier(other);
    const [hit] = await ctx.db.execute<{ id: string; prefix: string; pool: string | null }>(sql`
      with imported as (
        select id, ${mine} as prefix from ${s}
        where id in (select (jsonb_array_elements_text(${ids}::jsonb))::uuid) and ${mine} is not null)
      select i.id, i.prefix::text,
        (select name from ${t.ipv6Pools} p where p.prefix && i.prefix order by name limit 1) as pool
      from imported i
      where exists (select 1 from ${t.ipv6Pools} p where p.prefix && i.prefix)
        or exists (select 1 from ${s} o where o.id <> i.id and (
          (o.${mine} && i.prefix and o.${mine} <> i.prefix) or o.${theirs} && i.prefix))
      limit 1`);
    if (hit) {
      const where = hit.pool ? `the IPv6 pool "${hit.pool}"` : "another subscriber's static IPv6 prefix";
      throw new AppError(
        400,
        ErrorCode.validation,
        `${column}: line ${lines.get(hit.id)}: ${hit.prefix} overlaps ${where}; nothing was imported.`,
      );
    }
  }
}
