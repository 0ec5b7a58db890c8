/**
 * Where a tenant's schema lives on a Citus cluster, and moving it to another node while it is in
 * use (`citus_schema_move`). On Citus with schema-based sharding each tenant schema is one
 * "distributed schema": all its tables are one colocation group placed whole on one worker, and the
 * coordinator routes every query naming the schema there. On plain PostgreSQL there is nothing to
 * place: both functions say so (`distributed: false`, `not_distributed`).
 */
import { type Db, tenants } from "@proxpanel/db";
import { eq, sql } from "drizzle-orm";
import { PostgresJsSession } from "drizzle-orm/postgres-js";
import type postgres from "postgres";
import { type Actor, recordSuperAdminAudit } from "./actor.ts";
import { TenancyError } from "./errors.ts";

export interface ClusterNode {
  /** host:port as the coordinator knows it (pg_dist_node). */
  node: string;
  role: "coordinator" | "worker";
  /** Whether new or moved tenant schemas may be placed there (Citus `shouldhaveshards`). */
  takesTenants: boolean;
  /** Tenant schemas placed there now. */
  tenants: number;
}

export interface TenantPlacement {
  distributed: boolean;
  /** The node holding the tenant's schema; null when not distributed. */
  node: string | null;
  /** Every active primary node of the cluster (empty on plain PostgreSQL). */
  nodes: ClusterNode[];
}

/**
 * How Citus copies the schema. `block_writes` holds writes to the tenant (they wait, none fail)
 * while its tables are copied; `auto` uses logical replication and pauses writes only for the final
 * switch, which needs `wal_level = logical` on the workers and a replica identity on every table
 * (the default when all hold: see chooseMode). `force_logical` is `auto` that also copies tables
 * without a replica identity (their updates and deletes then fail during the move).
 */
export type TransferMode = "auto" | "block_writes" | "force_logical";

type Reader = Pick<Db, "execute">;

const rows = async <T>(db: Reader, query: ReturnType<typeof sql>): Promise<T[]> =>
  (await db.execute(query)) as unknown as T[];

async function citusInstalled(db: Reader): Promise<boolean> {
  const [row] = await rows<{ on: boolean }>(
    db,
    sql`select exists (select 1 from pg_extension where extname = 'citus') as "on"`,
  );
  return row?.on === true;
}

async function schemaOf(db: Db, id: string): Promise<{ slug: string; schemaName: string }> {
  const [row] = await db
    .select({ slug: tenants.slug, schemaName: tenants.schemaName })
    .from(tenants)
    .where(eq(tenants.id, id))
    .limit(1);
  if (!row) throw new TenancyError("tenant_not_found", "Tenant not found.");
  return row;
}

/** Nodes of a distributed schema's placements (one, unless a move is half done). */
async function nodesOfSchema(db: Reader, schemaName: string): Promise<string[]> {
  const found = await rows<{ node: string }>(
    db,
    sql`select distinct n.nodename || ':' || n.nodeport as node
          from pg_dist_schema ds
          join pg_namespace ns on ns.oid = ds.schemaid
          join pg_dist_partition p on p.colocationid = ds.colocationid
          join pg_dist_shard s on s.logicalrelid = p.logicalrelid
          join pg_dist_placement pl on pl.shardid = s.shardid
          join pg_dist_node n on n.groupid = pl.groupid and n.noderole = 'primary'
         where ns.nspname = ${schemaName}
         order by 1`,
  );
  return found.map((r) => r.node);
}

async function clusterNodes(db: Reader): Promise<ClusterNode[]> {
  const found = await rows<{ node: string; coordinator: boolean; takes: boolean; tenants: number }>(
    db,
    sql`select n.nodename || ':' || n.nodeport as node, n.groupid = 0 as coordinator,
               n.shouldhaveshards as takes,
               (select count(distinct ds.schemaid)::int
                  from pg_dist_schema ds
                  join pg_dist_partition p on p.colocationid = ds.colocationid
                  join pg_dist_shard s on s.logicalrelid = p.logicalrelid
                  join pg_dist_placement pl on pl.shardid = s.shardid
                 where pl.groupid = n.groupid) as tenants
          from pg_dist_node n
         where n.isactive and n.noderole = 'primary'
         order by n.groupid`,
  );
  return found.map((r) => ({
    node: r.node,
    role: r.coordinator ? "coordinator" : "worker",
    takesTenants: r.takes,
    tenants: r.tenants,
  }));
}

export async function tenantPlacement(db: Db, id: string): Promise<TenantPlacement> {
  const { schemaName } = await schemaOf(db, id);
  if (!(await citusInstalled(db))) return { distributed: false, node: null, nodes: [] };
  const [here, nodes] = await Promise.all([nodesOfSchema(db, schemaName), clusterNodes(db)]);
  return { distributed: here.length > 0, node: here[0] ?? null, nodes };
}

/**
 * What decides between the modes. A logical move waits until the target has applied the source's
 * WAL up to `pg_current_wal_lsn()`, the WAL written so far. With `synchronous_commit = off` on a
 * worker a commit is acknowledged before its record is written, so a write acknowledged in the
 * last moment before the switch can miss that wait and stay behind on the old node, which is then
 * dropped: measured on the local cluster, 1 write in ≈ 300 lost in about every other move.
 */
async function moveConditions(db: Reader, schemaName: string) {
  const [row] = await rows<{ logical: boolean | null; durable: boolean | null; identified: boolean }>(
    db,
    sql`select (select bool_and(success and result = 'logical') from run_command_on_workers('show wal_level')) as logical,
               (select bool_and(success and result <> 'off') from run_command_on_workers('show synchronous_commit')) as durable,
               not exists (
                 select 1 from pg_class c
                  where c.relnamespace = ${schemaName}::regnamespace and c.relkind in ('r', 'p')
                    and not (c.relreplident = 'f'
                      or (c.relreplident = 'd' and exists (select 1 from pg_index i where i.indrelid = c.oid and i.indisprimary))
                      or (c.relreplident = 'i' and exists (select 1 from pg_index i where i.indrelid = c.oid and i.indisreplident)))
               ) as identified`,
  );
  return { logical: row?.logical === true, durable: row?.durable === true, identified: row?.identified === true };
}

/**
 * `auto` (logical replication: writes go on during the copy and pause only for the switch) when
 * every worker runs `wal_level = logical` and commits synchronously, and every table of the schema
 * has a replica identity (primary key); else `block_writes` (writes wait for the whole copy; none
 * fails, none is lost). Citus's `auto` would refuse a table without a key rather than fall back, so
 * that is checked here first.
 */
export async function chooseMode(
  db: Reader,
  schemaName: string,
  asked: TransferMode | undefined,
): Promise<TransferMode> {
  const c = await moveConditions(db, schemaName);
  if (asked === undefined) return c.logical && c.durable && c.identified ? "auto" : "block_writes";
  if (asked !== "block_writes" && c.logical && !c.durable) {
    throw new TenancyError(
      "invalid_state",
      `mode: ${asked} copies by logical replication, which can lose a write acknowledged just before the switch while a worker runs synchronous_commit = off; set it to on (or local) on every worker, or use block_writes.`,
    );
  }
  return asked;
}

/**
 * Runs `fn` on a connection of its own with no statement timeout. A move copies the whole tenant and
 * takes as long as that takes (≈ 11 s for the anchor tenant on an idle machine): the API's pool
 * cancels statements after DB_STATEMENT_TIMEOUT_MS (15 s), which cut a move short and answered 503
 * in the console. Not in a transaction: Citus runs the copy, the switch and the clean-up as its own
 * steps. The setting is put back before the connection returns to the pool.
 */
async function withoutStatementTimeout(db: Db, fn: (conn: postgres.ReservedSql) => Promise<unknown>): Promise<void> {
  const session = db._.session;
  if (!(session instanceof PostgresJsSession)) throw new Error("moving a tenant needs the postgres-js Drizzle driver");
  const pool: postgres.Sql = session.client;
  const conn = await pool.reserve();
  try {
    await conn`set statement_timeout = 0`;
    await fn(conn);
  } finally {
    // A connection whose reset failed is broken anyway: postgres.js drops it on the next error.
    await conn`reset statement_timeout`.catch(() => undefined);
    conn.release();
  }
}

export interface MoveResult {
  moved: boolean;
  from: string;
  to: string;
  mode: TransferMode | null;
  ms: number;
  placement: TenantPlacement;
}

/**
 * Moves the tenant's schema to `node` (host:port of an active worker). Synchronous: returns once
 * Citus has copied the tables, switched the coordinator's routing to the new placement and
 * dropped the old one. Requests meanwhile keep working: with `auto` writes go on during the copy
 * and wait only for the switch; with `block_writes` they wait for the whole copy. Moving to where
 * it already is changes nothing. Audited once done.
 */
export async function moveTenant(
  db: Db,
  input: { id: string; node: string; mode?: TransferMode | undefined },
  actor: Actor,
): Promise<MoveResult> {
  const { slug, schemaName } = await schemaOf(db, input.id);
  if (!(await citusInstalled(db))) {
    throw new TenancyError(
      "not_distributed",
      "This database is plain PostgreSQL, not a Citus cluster: tenants have no node to move between.",
    );
  }
  const [here, nodes] = await Promise.all([nodesOfSchema(db, schemaName), clusterNodes(db)]);
  const from = here[0];
  if (!from) {
    throw new TenancyError(
      "not_distributed",
      "This tenant's schema is not a distributed schema (created before Citus was set up?): it cannot be moved.",
    );
  }
  const target = nodes.find((n) => n.node === input.node);
  if (!target) {
    throw new TenancyError(
      "unknown_node",
      `node: ${input.node} is not an active node of the cluster (nodes: ${nodes.map((n) => n.node).join(", ")}).`,
    );
  }
  const placementNow = (): Promise<TenantPlacement> => tenantPlacement(db, input.id);
  if (here.length === 1 && from === target.node) {
    return { moved: false, from, to: target.node, mode: null, ms: 0, placement: await placementNow() };
  }
  if (!target.takesTenants) {
    throw new TenancyError(
      "invalid_state",
      `node: ${target.node} does not take tenants (Citus shouldhaveshards is off for it).`,
    );
  }
  const mode = await chooseMode(db, schemaName, input.mode);
  const at = target.node.lastIndexOf(":");
  const host = target.node.slice(0, at);
  const port = Number(target.node.slice(at + 1));
  const started = performance.now();
  await withoutStatementTimeout(
    db,
    (conn) =>
      conn`select citus_schema_move(${schemaName}::regnamespace, ${host}, ${port}, ${mode}::citus.shard_transfer_mode)`,
  );
  const ms = Math.round(performance.now() - started);
  await db.transaction((tx) =>
    recordSuperAdminAudit(tx, actor, "tenant.move", input.id, { slug, from, to: target.node, mode, ms }),
  );
  return { moved: true, from, to: target.node, mode, ms, placement: await placementNow() };
}
