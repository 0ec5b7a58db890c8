import { hostMask, parseIpv6Prefix } from "@proxpanel/radius/ipv6";
import { sql } from "drizzle-orm";
import type { ServiceCtx } from "../../services/context.ts";

export type Ipv6Column = "static_ipv6_prefix" | "delegated_ipv6_prefix";

/** A prefix a CSV line carries, in RFC 5952 form (as the import's schema leaves it). */
export interface ImportedPrefix {
  line: number;
  column: Ipv6Column;
  prefix: string;
}

type Block = { start: bigint; end: bigint; length: number } & (
  | { kind: "pool"; name: string; prefix: string }
  | { kind: "subscriber" }
  | { kind: "line"; line: number; column: Ipv6Column; prefix: string }
);

// Lower rank is reported first: the pool, then another subscriber, then an earlier line (the order
// of the create/update check and of the real import's).
const rank = (b: Block) => (b.kind === "pool" ? 0 : b.kind === "subscriber" ? 1 : 2);

function range(prefix: string) {
  const p = parseIpv6Prefix(prefix);
  return p && { start: p.network, end: p.network | hostMask(p.length), length: p.length };
}

/**
 * Which CSV lines carry a prefix that overlaps one of the tenant's IPv6 pools, another subscriber's
 * static or delegated prefix, or a prefix on an earlier line of the same file (a line's own two
 * prefixes may nest, as one subscriber's may). The same rule as `assertStaticIpv6Free` and
 * `assertImportedIpv6Free`, checked before anything is inserted so a dry run reports it per line.
 *
 * CIDR blocks either nest or are disjoint, so one sweep in address order finds every overlap: the
 * blocks still open when a block starts are exactly those containing it. O(n log n) for a
 * 20,000-line file against every prefixed subscriber, no query per line.
 * Returns "column: reason" messages by line.
 */
export function ipv6Overlaps(
  lines: readonly ImportedPrefix[],
  taken: { pools: readonly { name: string; prefix: string }[]; subscribers: readonly string[] },
): Map<number, string[]> {
  const blocks: Block[] = [];
  for (const p of taken.pools) {
    const r = range(p.prefix);
    if (r) blocks.push({ ...r, kind: "pool", name: p.name, prefix: p.prefix });
  }
  for (const s of taken.subscribers) {
    const r = range(s);
    if (r) blocks.push({ ...r, kind: "subscriber" });
  }
  for (const l of lines) {
    const r = range(l.prefix);
    if (r) blocks.push({ ...r, kind: "line", ...l });
  }
  // Containers before what they contain; among equal blocks the one reported against comes first.
  blocks.sort(
    (x, y) =>
      (x.start < y.start ? -1 : x.start > y.start ? 1 : 0) ||
      x.length - y.length ||
      rank(x) - rank(y) ||
      (x.kind === "line" && y.kind === "line" ? x.line - y.line : 0),
  );
  // Per line and column, the best reason found so far (lowest rank, then earliest line).
  const found = new Map<string, { line: number; column: Ipv6Column; prefix: string; against: Block }>();
  const note = (b: Block & { kind: "line" }, against: Block) => {
    if (against.kind === "line" && against.line >= b.line) return;
    const key = `${b.line}:${b.column}`;
    const had = found.get(key)?.against;
    const better =
      !had || rank(against) < rank(had) || (against.kind === "line" && had.kind === "line" && against.line < had.line);
    if (better) found.set(key, { line: b.line, column: b.column, prefix: b.prefix, against });
  };
  const open: Block[] = [];
  for (const b of blocks) {
    while (open.length && (open[open.length - 1] as Block).end < b.start) open.pop();
    for (const o of open) {
      // A line's own two prefixes may nest (one subscriber's static /64 inside its delegated /56).
      if (o.kind === "line" && b.kind === "line" && o.line === b.line) continue;
      if (b.kind === "line") note(b, o);
      if (o.kind === "line") note(o, b);
    }
    // An equal block is already represented by the open one before it: keeps the stack no deeper
    // than 129 even for a file repeating one prefix on every line.
    const top = open[open.length - 1];
    if (!top || top.start !== b.start || top.length !== b.length) open.push(b);
  }
  const out = new Map<number, string[]>();
  for (const f of [...found.values()].sort((x, y) => x.line - y.line || x.column.localeCompare(y.column))) {
    const a = f.against;
    const what =
      a.kind === "pool"
        ? `the IPv6 pool "${a.name}" (${a.prefix}), whose prefixes are handed out dynamically`
        : a.kind === "subscriber"
          ? "another subscriber's static IPv6 prefix"
          : `line ${a.line}'s ${a.column} (${a.prefix})`;
    out.set(f.line, [...(out.get(f.line) ?? []), `${f.column}: ${f.prefix} overlaps ${what}`]);
  }
  return out;
}

/** The tenant's IPv6 pools and every subscriber's static and delegated prefix, for `ipv6Overlaps`. */
export async function takenIpv6(ctx: ServiceCtx) {
  const { t } = ctx.tenant;
  const [pools, subs] = await Promise.all([
    ctx.db.execute<{ name: string; prefix: string }>(sql`select name, prefix::text from ${t.ipv6Pools}`),
    ctx.db.execute<{ prefix: string }>(sql`
      select static_ipv6_prefix::text as prefix from ${t.subscribers} where static_ipv6_prefix is not null
      union all
      select delegated_ipv6_prefix::text from ${t.subscribers} where delegated_ipv6_prefix is not null`),
  ]);
  return { pools: [...pools], subscribers: subs.map((s) => s.prefix) };
}
