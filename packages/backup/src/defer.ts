import type postgres from "postgres";
import { q } from "./contents.ts";

/** What `detachIndexesAndKeys` took off a schema, grouped so the pieces can be rebuilt in parallel. */
export interface DetachedPlan {
  /** Per table (unqualified name): every index, key-backing ones included, as `CREATE [UNIQUE] INDEX`. */
  indexes: Map<string, string[]>;
  /** Per table: `ADD CONSTRAINT ... USING INDEX`, run once the table's indexes exist. */
  keys: Map<string, string[]>;
  /** `ADD CONSTRAINT ... FOREIGN KEY`, run once every key exists. */
  foreignKeys: string[];
}

/**
 * The staging-schema variant of `deferIndexesAndKeys`: the same drops, but the rebuild is returned
 * as statements. Primary/unique keys come back as a unique index plus `ADD CONSTRAINT ... USING
 * INDEX`, because `CREATE INDEX` takes a SHARE lock, so several indexes of one table can be built at
 * once on different connections, while `ADD PRIMARY KEY` would lock the table exclusively.
 * Partial and BRIN indexes stay: a partial one covers a small live subset (open sessions, pending
 * mail) and a BRIN one keeps one summary per block range, so keeping them up to date row by row costs
 * the COPY next to nothing (measured on 180,000 radacct rows: no difference for the partial ones,
 * about 15 ms for the BRIN), while building each afterwards is one more scan of the whole table.
 */
export async function detachIndexesAndKeys(sql: postgres.TransactionSql, schema: string): Promise<DetachedPlan> {
  const constraints = await sql<
    { tbl: string; rel: string; name: string; def: string; type: string; idx: string | null; cost: number }[]
  >`
    select c.conrelid::regclass::text as tbl, (select relname::text from pg_class r where r.oid = c.conrelid) as rel, c.conname::text as name, pg_get_constraintdef(c.oid) as def,
      c.contype::text as type, case when c.contype in ('p', 'u') then pg_get_indexdef(c.conindid) end as idx,
      ${buildCost(sql, "c.conindid")} as cost
    from pg_constraint c
    where c.connamespace = ${schema}::regnamespace and c.contype in ('f', 'p', 'u')
    order by case c.contype when 'f' then 0 else 1 end, c.conname`;
  const indexes = await sql<{ rel: string; name: string; def: string; cost: number }[]>`
    select (select relname::text from pg_class r where r.oid = i.indrelid) as rel, ic.relname::text as name,
      pg_get_indexdef(i.indexrelid) as def, ${buildCost(sql, "i.indexrelid")} as cost
    from pg_index i join pg_class ic on ic.oid = i.indexrelid join pg_am am on am.oid = ic.relam
    where ic.relnamespace = ${schema}::regnamespace
      and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid and k.contype in ('p', 'u', 'x'))
      and i.indpred is null and am.amname <> 'brin'
    order by ic.relname`;
  const plan: DetachedPlan = { indexes: new Map(), keys: new Map(), foreignKeys: [] };
  const add = (m: Map<string, string[]>, k: string, v: string) => m.set(k, [...(m.get(k) ?? []), v]);
  const drops: string[] = [];
  const builds: { rel: string; def: string; cost: number }[] = [];
  for (const c of constraints) {
    drops.push(`alter table ${c.tbl} drop constraint ${q(c.name)}`);
    if (c.type === "f") plan.foreignKeys.push(`alter table ${c.tbl} add constraint ${q(c.name)} ${c.def}`);
    else {
      // The key's index keeps the constraint's name, as ADD CONSTRAINT would have named it.
      if (!c.idx || /\bDEFERRABLE\b/i.test(c.def)) throw new Error(`cannot rebuild key ${c.name} through an index`);
      builds.push({ rel: c.rel, def: c.idx, cost: c.cost });
      const kind = c.type === "p" ? "primary key" : "unique";
      add(plan.keys, c.rel, `alter table ${c.tbl} add constraint ${q(c.name)} ${kind} using index ${q(c.name)}`);
    }
  }
  for (const i of indexes) {
    drops.push(`drop index ${q(schema)}.${q(i.name)}`);
    builds.push({ rel: i.rel, def: i.def, cost: i.cost });
  }
  // Longest first (stable otherwise): a table's builds start together on the free connections, and
  // the one that would finish last should not be the one that waited for a connection.
  builds.sort((a, b) => b.cost - a.cost);
  for (const b of builds) add(plan.indexes, b.rel, b.def);
  // Foreign keys first (they depend on the referenced keys), then keys, then plain indexes; pipelined
  // (sent together, run in order) to save a round trip per drop, each its own statement as Citus
  // needs (it forwards a DDL statement's text to the worker, which refuses several in one).
  await Promise.all(drops.map((d) => sql.unsafe(d)));
  return plan;
}

/**
 * A rough relative cost of building one index, for ordering the builds: the bytes of its key per
 * row, with variable-length columns counted as 32 and collation-aware ones doubled (string
 * comparison is what makes a text index slow to sort). Measured on the 180,000-row radacct:
 * unique text key 138 ms, (uuid, timestamptz) 100 ms, bigint primary key 43 ms.
 */
function buildCost(sql: postgres.TransactionSql, indexOid: string) {
  return sql.unsafe(`(select coalesce(sum((case when t.typlen > 0 then t.typlen else 32 end)
      * (case when a.attcollation <> 0 and a.attcollation <> 'pg_catalog."C"'::regcollation then 2 else 1 end)), 0)::float8
    from pg_index x join pg_attribute a on a.attrelid = x.indrelid and a.attnum = any(x.indkey)
    join pg_type t on t.oid = a.atttypid where x.indexrelid = ${indexOid})`);
}
