/**
 * bench/citus.ts's accounting figure: Accounting-Request Starts from the production daemon into the
 * same tenant (schema, NAS, secret) in the plain database and in the Citus database, where the
 * tenant's schema sits on a worker. One daemon per database, both up; the rounds alternate
 * plain, Citus, plain, … so load from other work on the machine falls on both alike. After each
 * round the tenant's radacct must hold exactly the packets sent (none lost).
 */
import { randomBytes } from "node:crypto";
import { seal } from "@proxpanel/auth";
import { connect, migrateTenantSchema } from "@proxpanel/db";
import { TenantKeyRing } from "@proxpanel/tenancy";
import { cpuSeconds, median } from "../packages/radius/bench/proc.ts";
import { AcctBlaster, startAcctServer, startPackets } from "./acct-load.ts";

const SECRET = "citus-acct-bench-secret";
const SCHEMA = "tenant_bench_acct";
// A loopback address of its own, away from the test suites' 127.0.0.x NAS.
const NAS_ADDRESS = `127.78.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

export interface AcctFigures {
  /** Median over the rounds. */
  packetsPerSec: number;
  /** Answered packets per CPU-second of the daemon (the PostgreSQL side is not in it). */
  perDaemonCpu: number;
  /** Every round: rows in radacct = packets sent. */
  noneLost: boolean;
  /** Where the tenant's radacct is: "coordinator" on plain PostgreSQL, else the worker's host:port. */
  placement: string;
}

interface Side {
  label: string;
  url: string;
  clusterKey: string;
  database: ReturnType<typeof connect>;
}

/** The tenant in a migrated database: schema, registry row, a NAS sealed under the tenant key, its route. */
async function tenantIn(label: string, url: string): Promise<Side> {
  const clusterKey = randomBytes(24).toString("hex");
  const database = connect(url, { max: 2 });
  const { db, sql } = database;
  await db.transaction((tx) => migrateTenantSchema(tx, SCHEMA, { create: true }));
  const [tenant] = await sql<{ id: string }[]>`
    insert into public.tenants (slug, schema_name, company_name, plan, secret)
    values ('bench-acct', ${SCHEMA}, 'Bench accounting', 'starter', md5(random()::text)) returning id`;
  if (!tenant) throw new Error("tenant not created");
  const key = await new TenantKeyRing(db, clusterKey).forTenant(tenant.id);
  const [nas] = await sql<{ id: string }[]>`
    insert into ${sql(SCHEMA)}.nas_devices (name, ip_address, secret_enc) values ('bench', ${NAS_ADDRESS}, 'pending')
    returning id`;
  if (!nas) throw new Error("nas not created");
  await sql`update ${sql(SCHEMA)}.nas_devices set secret_enc = ${seal(key, SECRET, `nas:${nas.id}`)} where id = ${nas.id}`;
  await sql`insert into public.nas_routes (nas_id, tenant_id, ip_address) values (${nas.id}, ${tenant.id}, ${NAS_ADDRESS})`;
  return { label, url, clusterKey, database };
}

/** The node holding the tenant's radacct shard, or "coordinator" where the table is not distributed. */
async function placementOf(side: Side): Promise<string> {
  const { sql } = side.database;
  const [citus] = await sql<{ n: number }[]>`select count(*)::int as n from pg_extension where extname = 'citus'`;
  if (!citus?.n) return "coordinator";
  const [shard] = await sql<{ node: string }[]>`
    select nodename || ':' || nodeport as node from citus_shards where table_name = ${`${SCHEMA}.radacct`}::regclass`;
  return shard?.node ?? "coordinator";
}

export async function accountingSideBySide(
  plainUrl: string,
  citusUrl: string,
  opts: { rounds: number; packets: number },
): Promise<{ plain: AcctFigures; citus: AcctFigures }> {
  const sides = [await tenantIn("plain", plainUrl), await tenantIn("citus", citusUrl)];
  const blaster = new AcctBlaster(SECRET);
  const servers = await Promise.all(
    sides.map((s) => startAcctServer({ url: s.url, clusterKey: s.clusterKey, rollups: true })),
  );
  const results = sides.map(() => ({ perSec: [] as number[], perCpu: [] as number[], lost: false }));
  try {
    // Warm-up on each: JIT, the tenant cache, prepared statements, the coordinator's worker connections.
    for (const server of servers) {
      await blaster.blast(startPackets("warm", 2000, NAS_ADDRESS, SECRET), server.acctPort, NAS_ADDRESS);
    }
    for (let r = 1; r <= opts.rounds; r++) {
      for (const [i, side] of sides.entries()) {
        const server = servers[i];
        const out = results[i];
        if (!server || !out) throw new Error("side");
        const list = startPackets(`r${r}`, opts.packets, NAS_ADDRESS, SECRET);
        const cpu0 = cpuSeconds(server.pid);
        const { answered, seconds } = await blaster.blast(list, server.acctPort, NAS_ADDRESS);
        const cpu = cpuSeconds(server.pid) - cpu0;
        const { sql } = side.database;
        const [row] = await sql<{ n: number }[]>`
          select count(*)::int as n from ${sql(SCHEMA)}.radacct where acct_session_id like ${`r${r}-%`}`;
        const rows = row?.n ?? 0;
        if (rows !== opts.packets) out.lost = true;
        out.perSec.push(answered / seconds);
        out.perCpu.push(answered / cpu);
        console.log(
          `  accounting ${side.label} round ${r}: ${opts.packets} sent, ${answered} answered, ${rows} rows, ` +
            `${seconds.toFixed(2)} s, ${Math.round(answered / seconds)} packets/s, daemon ${cpu.toFixed(2)} CPU-s`,
        );
      }
    }
    const figures = await Promise.all(
      sides.map(async (side, i): Promise<AcctFigures> => {
        const out = results[i] ?? { perSec: [], perCpu: [], lost: true };
        return {
          packetsPerSec: median(out.perSec),
          perDaemonCpu: median(out.perCpu),
          noneLost: !out.lost,
          placement: await placementOf(side),
        };
      }),
    );
    const [plain, citus] = figures;
    if (!plain || !citus) throw new Error("figures");
    // The point of the figure: the Citus side's writes go through the coordinator to a worker.
    if (citus.placement === "coordinator") throw new Error("the Citus bench tenant is not on a worker");
    return { plain, citus };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all(sides.map((s) => s.database.close()));
  }
}
