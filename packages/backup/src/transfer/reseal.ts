import { seal, unseal } from "@proxpanel/auth";
import type postgres from "postgres";
import { q } from "../contents.ts";

/**
 * Columns sealed under the tenant's data key (see @proxpanel/auth sealed.ts), with the context each
 * value is bound to. The key depends on the cluster's data key, the tenant id and its secret, so
 * moving a tenant to another install means opening each value with the old key and sealing it
 * with the new one.
 */
export const SEALED_COLUMNS = [
  { table: "subscribers", column: "password_enc", context: "subscriber" },
  { table: "nas_devices", column: "secret_enc", context: "nas" },
  { table: "wireguard_peers", column: "private_key_enc", context: "wireguard" },
] as const;

/** Re-seals one sealed value; a value that does not open under `from` is an error, never kept. */
export function resealValue(from: Buffer, to: Buffer, table: string, id: string, value: string): string {
  const spec = SEALED_COLUMNS.find((s) => s.table === table);
  if (!spec) throw new Error(`${table} has no sealed column`);
  const context = `${spec.context}:${id}`;
  let plain: string;
  try {
    plain = unseal(from, value, context);
  } catch {
    throw new Error(`a sealed value in ${table} does not open with the source's data key (wrong data key?)`);
  }
  return seal(to, plain, context);
}

/** Inside the caller's transaction: every sealed value of the schema moves from `from` to `to`. */
export async function resealSchema(
  tx: postgres.TransactionSql,
  schemaName: string,
  from: Buffer,
  to: Buffer,
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const { table, column } of SEALED_COLUMNS) {
    const target = `${q(schemaName)}.${q(table)}`;
    const rows = await tx.unsafe<{ id: string; v: string }[]>(
      `select id::text as id, ${q(column)} as v from ${target}`,
    );
    const ids = rows.map((r) => r.id);
    const values = rows.map((r) => resealValue(from, to, table, r.id, r.v));
    // One statement per table, whatever the row count.
    if (rows.length > 0) {
      await tx.unsafe(
        `update ${target} t set ${q(column)} = v.val from unnest($1::uuid[], $2::text[]) as v(id, val) where t.id = v.id`,
        [ids, values],
      );
    }
    counts[table] = rows.length;
  }
  return counts;
}

/**
 * The registry's NAS routes (how RADIUS finds a tenant by NAS address) follow the tenant's NAS
 * devices. A NAS address already routed to another tenant of this cluster fails the statement,
 * and with it the whole import.
 */
export function nasRoutesSql(schemaName: string, tenantId: string): string[] {
  const id = `'${tenantId.replaceAll("'", "''")}'::uuid`;
  return [
    `delete from public.nas_routes where tenant_id = ${id}`,
    `insert into public.nas_routes (nas_id, tenant_id, ip_address, identifier) select id, ${id}, ip_address, identifier from ${q(schemaName)}."nas_devices"`,
  ];
}
