import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { LocalObjectStore } from "@proxpanel/backup";
import { alerts, backupDue, cloudBackups, type Db, migrateTenantSchema, TenantClientCache } from "@proxpanel/db";
import * as publicSchema from "@proxpanel/db/public/index";
import { and, eq, inArray, isNull } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAILING_RUNS_ALERT, runDueSchedules, type ScheduleEnv } from "./tick.ts";

// One database client whose every statement is recorded, so the tests can say what a tick read.
const statements: { query: string; params: unknown[] }[] = [];
let sql: postgres.Sql;
let db: Db;
let dir: string;
let env: ScheduleEnv;

const run = Date.now().toString(36);
const TENANTS = 1000;
const DUE = [0, 417, 999];
// Far in the past, so no other test file's due rows (real "now") can be due at this instant.
const T0 = new Date("2001-03-10T12:00:00Z");
const YEAR = 365 * 24 * 3600_000;
const ids: string[] = [];
const schemaOf = (i: number) => `tenant_tick_${run}_${i}`;

async function scheduleTenant(i: number): Promise<string> {
  const schema = schemaOf(i);
  await db.transaction((tx) => migrateTenantSchema(tx, schema, { create: true }));
  const [s] = await sql.unsafe<{ id: string }[]>(
    `insert into "${schema}".backup_schedules (frequency, time_of_day) values ('daily', '02:00') returning id`,
  );
  if (!s) throw new Error("schedule not created");
  return s.id;
}

beforeAll(async () => {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error("run through vitest");
  sql = postgres(url, {
    max: 4,
    onnotice: () => {},
    debug: (_conn, query, params) => statements.push({ query, params }),
  });
  db = drizzle(sql, { schema: publicSchema });
  dir = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-tick-"));
  env = {
    db,
    sql,
    store: new LocalObjectStore(path.join(dir, "store")),
    licenseKey: "LIC-TICK-TEST",
    stagingDir: path.join(dir, "staging"),
    dataDir: dir,
    tenantClients: new TenantClientCache(sql),
  };
  // 1,000 registry rows; only the due ones get a schema, which is also what proves the tick never
  // visits the others: a query on a missing schema would fail the tick.
  const rows = await sql.unsafe<{ id: string }[]>(
    `insert into public.tenants (slug, schema_name, company_name, plan, secret, timezone)
     select 'tick-${run}-' || i, 'tenant_tick_${run}_' || i, 'Tick ' || i, 'starter', md5(random()::text), 'Asia/Beirut'
     from generate_series(0, ${TENANTS - 1}) i
     order by i
     returning id`,
  );
  ids.push(...rows.map((r) => r.id));
  const due: { tenantId: string; scheduleId: string; dueAt: Date }[] = [];
  for (let i = 0; i < TENANTS; i++) {
    const tenantId = ids[i] as string;
    if (DUE.includes(i))
      due.push({ tenantId, scheduleId: await scheduleTenant(i), dueAt: new Date(T0.getTime() - 60_000) });
    // Not due: spread over the minutes a year after T0, past every tick these tests make.
    else due.push({ tenantId, scheduleId: crypto.randomUUID(), dueAt: new Date(T0.getTime() + YEAR + i * 60_000) });
  }
  await db.insert(backupDue).values(due);
  await sql`analyze public.backup_due`;
});

afterAll(async () => {
  await db.delete(backupDue).where(inArray(backupDue.tenantId, ids));
  await db.delete(alerts).where(inArray(alerts.tenantId, ids));
  await db.delete(cloudBackups).where(inArray(cloudBackups.tenantId, ids));
  for (const i of DUE) await sql.unsafe(`drop schema if exists "${schemaOf(i)}" cascade`);
  await sql.unsafe(`delete from public.tenants where slug like 'tick-${run}-%'`);
  await sql.end({ timeout: 5 });
  await fs.rm(dir, { recursive: true, force: true });
});

/** Rows the claim query's scan of backup_due produced or threw away, from the executed plan. */
interface PlanNode {
  "Relation Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}
function rowsReadFrom(node: PlanNode, relation: string): number {
  const own =
    node["Relation Name"] === relation
      ? ((node["Actual Rows"] ?? 0) + (node["Rows Removed by Filter"] ?? 0)) * (node["Actual Loops"] ?? 1)
      : 0;
  return own + (node.Plans ?? []).reduce((n, p) => n + rowsReadFrom(p, relation), 0);
}

describe("scheduler tick with 1,000 tenants", () => {
  it("reads only the 3 due rows and touches only the 3 due tenants' schemas", async () => {
    statements.length = 0;
    const results = await runDueSchedules(env, T0);
    const seen = statements.splice(0);

    expect(results.map((r) => r.tenantId).sort()).toEqual(DUE.map((i) => ids[i]).sort());
    expect(results.every((r) => r.outcome === "ok")).toBe(true);

    // Schemas named by any statement of the tick: exactly the due tenants', none of the other 997.
    const named = new Set(seen.flatMap((s) => [...s.query.matchAll(/tenant_tick_[a-z0-9]+_\d+/g)].map((m) => m[0])));
    expect([...named].sort()).toEqual(DUE.map(schemaOf).sort());

    // The claim re-run with EXPLAIN ANALYZE (rolled back): the scan of backup_due returns or
    // filters out only the rows at or before "now", i.e. none of the 997 others.
    const claim = seen.find((s) => s.query.includes('from "backup_due"') && s.query.includes("for update"));
    if (!claim) throw new Error("no claim statement seen");
    await db
      .update(backupDue)
      .set({ dueAt: new Date(T0.getTime() - 30_000) })
      .where(
        inArray(
          backupDue.tenantId,
          DUE.map((i) => ids[i] as string),
        ),
      );
    let plan: PlanNode | undefined;
    await sql
      .begin(async (tx) => {
        const [row] = await tx.unsafe<{ "QUERY PLAN": { Plan: PlanNode }[] }[]>(
          `explain (analyze, format json) ${claim.query}`,
          claim.params as postgres.ParameterOrJSON<never>[],
        );
        plan = row?.["QUERY PLAN"][0]?.Plan;
        throw new Error("rollback");
      })
      .catch(() => undefined);
    if (!plan) throw new Error("no plan");
    expect(rowsReadFrom(plan, "backup_due")).toBe(DUE.length);

    // A tick with nothing due costs one transaction around one indexed read, 1,000 tenants or not.
    statements.length = 0;
    expect(await runDueSchedules(env, new Date(T0.getTime() - 3600_000))).toEqual([]);
    const idle = statements.splice(0).filter((s) => !/^(begin|commit)$/i.test(s.query.trim()));
    expect(idle).toHaveLength(1);
  });

  it(`raises failing_runs after ${FAILING_RUNS_ALERT} failed runs in a row and resets on success`, async () => {
    const i = DUE[0] as number;
    const tenantId = ids[i] as string;
    // A stored archive as big as the plan quota: every scheduled run is a (soft) quota failure.
    const [plan] = await sql<
      { q: string }[]
    >`select backup_quota_bytes::text as q from public.plans where code = 'starter'`;
    const [filler] = await db
      .insert(cloudBackups)
      .values({
        tenantId,
        filename: "backup-filler.proisp.bak",
        objectKey: `cloud_backups/tenant_${tenantId}/backup-filler.proisp.bak`,
        sizeBytes: Number(plan?.q),
        status: "uploaded",
        schemaVersion: 1,
        keyId: "0".repeat(32),
      })
      .returning();
    const openFailing = () =>
      db
        .select()
        .from(alerts)
        .where(and(eq(alerts.tenantId, tenantId), eq(alerts.kind, "failing_runs"), isNull(alerts.resolvedAt)));
    const failures = async () =>
      (await db.select().from(backupDue).where(eq(backupDue.tenantId, tenantId)))[0]?.failures;

    for (let n = 1; n <= FAILING_RUNS_ALERT; n++) {
      const [row] = await db.select().from(backupDue).where(eq(backupDue.tenantId, tenantId));
      const results = await runDueSchedules(env, row?.dueAt);
      expect(results.find((r) => r.tenantId === tenantId)?.outcome).toBe("over_quota");
      expect(await failures()).toBe(n);
      expect(await openFailing()).toHaveLength(n < FAILING_RUNS_ALERT ? 0 : 1);
    }

    await db.delete(cloudBackups).where(eq(cloudBackups.id, filler?.id as string));
    const [row] = await db.select().from(backupDue).where(eq(backupDue.tenantId, tenantId));
    const results = await runDueSchedules(env, row?.dueAt);
    expect(results.find((r) => r.tenantId === tenantId)?.outcome).toBe("ok");
    expect(await failures()).toBe(0);
  });
});
