import type postgres from "postgres";
import { q, type TableSpec } from "./contents.ts";

/**
 * Tables of one schema with their (non-generated) columns. `"load"` (default): parents before children
 * along foreign keys, so a restore into live tables can load them in this order with every constraint
 * checked. `"largest"`: the biggest table first, for the staging restore, which attaches foreign keys
 * only at the end: the big table's index builds then overlap the loading of all the small ones
 * instead of following it. `__migrations` is left out: a restore recreates it by migrating to the
 * archive's version.
 */
export async function listTables(
  tx: postgres.TransactionSql,
  schemaName: string,
  order: "load" | "largest" = "load",
): Promise<TableSpec[]> {
  const rows = await tx<{ name: string; columns: string[]; bytes: number }[]>`
    select c.relname::text as name, pg_relation_size(c.oid)::float8 as bytes,
      array(select a.attname::text from pg_attribute a
            where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
            order by a.attnum) as columns
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${schemaName} and c.relkind = 'r' and c.relname <> '__migrations'
    order by c.relname`;
  if (order === "largest") {
    return [...rows]
      .sort((a, b) => b.bytes - a.bytes || a.name.localeCompare(b.name))
      .map((r) => ({ name: r.name, columns: r.columns }));
  }
  const fks = await tx<{ child: string; parent: string }[]>`
    select cl.relname::text as child, pl.relname::text as parent
    from pg_constraint k
    join pg_class cl on cl.oid = k.conrelid
    join pg_class pl on pl.oid = k.confrelid
    join pg_namespace n on n.oid = k.connamespace
    where k.contype = 'f' and n.nspname = ${schemaName}`;
  return loadOrder(
    rows.map((r) => ({ name: r.name, columns: r.columns })),
    fks,
  );
}

/** Depth-first topological order; a cycle (none in the tenant schema today) keeps name order. */
export function loadOrder(tables: TableSpec[], fks: { child: string; parent: string }[]): TableSpec[] {
  const byName = new Map(tables.map((t) => [t.name, t]));
  const parents = new Map<string, string[]>();
  for (const { child, parent } of fks) {
    if (child === parent || !byName.has(parent)) continue;
    parents.set(child, [...(parents.get(child) ?? []), parent]);
  }
  const out: TableSpec[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string): void => {
    if (state.get(name)) return;
    state.set(name, "visiting");
    for (const p of parents.get(name) ?? []) visit(p);
    state.set(name, "done");
    const t = byName.get(name);
    if (t) out.push(t);
  };
  for (const t of tables) visit(t.name);
  return out;
}

export async function schemaVersionOf(tx: postgres.TransactionSql, schemaName: string): Promise<number> {
  const [exists] = await tx<{ ok: boolean }[]>`
    select to_regclass(${`${q(schemaName)}."__migrations"`}) is not null as ok`;
  if (!exists?.ok) throw new Error(`${schemaName} is not a migrated tenant schema`);
  const [row] = await tx.unsafe<{ v: number }[]>(
    `select coalesce(max(version), 0)::int as v from ${q(schemaName)}."__migrations"`,
  );
  return row?.v ?? 0;
}

export async function listSequences(tx: postgres.TransactionSql, schemaName: string): Promise<string[]> {
  const rows = await tx<{ name: string }[]>`
    select c.relname::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${schemaName} and c.relkind = 'S' order by 1`;
  return rows.map((r) => r.name);
}
