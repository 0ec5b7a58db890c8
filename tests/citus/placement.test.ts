// Runs only in the citus project: tenants created through signup become distributed schemas, each
// placed whole on one worker, the registry stays on the coordinator, and the tenants of a database
// are spread over both workers. The rows are checked on the worker itself, in its physical shard.
import { tenants } from "@proxpanel/db";
import { inArray } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Stack, signupTenant, startStack, type TestTenant } from "../harness.ts";

let stack: Stack;
let admin: postgres.Sql;
const created: TestTenant[] = [];

beforeAll(async () => {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("run through vitest (citus project)");
  admin = postgres(url, { max: 2, onnotice: () => {} });
  stack = await startStack();
  // One after another: Citus places each new distributed schema on the next worker in turn.
  for (let i = 0; i < 4; i++) created.push(await signupTenant(stack));
}, 120_000);

afterAll(async () => {
  await stack?.close();
  await admin?.end();
});

interface Placement {
  schema: string;
  nodeport: number;
  tables: number;
}

/** Where each tenant schema's tables are: one row per (schema, node). */
async function placements(): Promise<Placement[]> {
  return admin<Placement[]>`
    select c.schema_name::text as schema, s.nodeport, count(*)::int as tables
      from citus_schemas c
      join citus_shards s on s.colocation_id = c.colocation_id
     group by 1, 2
     order by 1, 2`;
}

describe("tenants on a Citus cluster", () => {
  it("each tenant is a distributed schema whose every table sits on one worker", async () => {
    const db = stack.runtime.deps.db;
    const rows = await db
      .select({ schemaName: tenants.schemaName })
      .from(tenants)
      .where(
        inArray(
          tenants.id,
          created.map((t) => t.id),
        ),
      );
    const ours = rows.map((r) => r.schemaName);
    expect(ours).toHaveLength(4);
    const all = await placements();
    const workers = await admin<{ nodeport: number }[]>`
      select nodeport from pg_dist_node where groupid <> 0 and noderole = 'primary' order by 1`;
    const [coordinator] = await admin<{ nodeport: number }[]>`select nodeport from pg_dist_node where groupid = 0`;
    for (const schema of ours) {
      const here = all.filter((p) => p.schema === schema);
      // Whole on one node, and that node a worker: the coordinator keeps only the registry.
      expect(here).toHaveLength(1);
      expect(workers.map((w) => w.nodeport)).toContain(here[0]?.nodeport);
      expect(here[0]?.nodeport).not.toBe(coordinator?.nodeport);
      expect(here[0]?.tables).toBeGreaterThan(20);
    }
    // Spread: the tenant schemas of this database use both workers.
    const used = new Set(all.filter((p) => p.schema.startsWith("tenant_")).map((p) => p.nodeport));
    expect([...used].sort()).toEqual(workers.map((w) => w.nodeport));
    // The registry is not distributed: public.tenants is a plain coordinator table.
    const [registry] = await admin<{ n: number }[]>`
      select count(*)::int as n from pg_dist_partition where logicalrelid = 'public.tenants'::regclass`;
    expect(registry?.n).toBe(0);
  });

  it("a tenant's rows written through the API are in its shard on its own worker, and nowhere else", async () => {
    const [t] = created;
    if (!t) throw new Error("setup");
    const res = await stack.request("POST", "/api/nas", {
      host: t.host,
      token: t.token,
      body: { name: "edge-1", ipAddress: "198.51.100.77" },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const [shard] = await admin<{ shard: string; nodeport: number }[]>`
      select s.shard_name::text as shard, s.nodeport
        from citus_shards s join tenants t on s.table_name = format('%I.nas_devices', t.schema_name)::regclass
       where t.id = ${t.id}`;
    if (!shard) throw new Error("no shard for the tenant's nas_devices table");
    const url = new URL(process.env.TEST_DATABASE_URL ?? "");
    const ports = await admin<{ nodeport: number }[]>`select nodeport from pg_dist_node where groupid <> 0`;
    for (const { nodeport } of ports) {
      url.port = String(nodeport);
      const worker = postgres(url.toString(), { max: 1, onnotice: () => {} });
      try {
        // citus.override_table_visibility off: shards are hidden from catalog queries otherwise.
        const found = await worker.begin(async (tx) => {
          await tx`set local citus.override_table_visibility to off`;
          return tx<{ n: number }[]>`
            select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
             where format('%I.%I', n.nspname, c.relname) = ${shard.shard}`;
        });
        expect(found[0]?.n).toBe(nodeport === shard.nodeport ? 1 : 0);
        if (nodeport === shard.nodeport) {
          const rows = await worker.unsafe<{ name: string }[]>(`select name from ${shard.shard}`);
          expect(rows.map((r) => r.name)).toEqual(["edge-1"]);
        }
      } finally {
        await worker.end();
      }
    }
  });
});
