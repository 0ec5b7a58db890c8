// The worker's hourly pass over the dashboard's 15-minute table: a record that reached the roll-ups
// after its quarter hour was written (dated back by Acct-Delay-Time) is counted after the pass, and
// the pass leaves the other tenants' tables as they were.
import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pruneTraffic, refreshUsage } from "../apps/worker/src/traffic-retention.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "./harness.ts";

const MINUTE = 60_000;
let stack: Stack;
let tenant: TestTenant;
let other: TestTenant;

async function bound(t: TestTenant) {
  const [row] = await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, t.id));
  return stack.runtime.deps.tenantClients.get(row?.schemaName ?? "");
}

const todayTotal = async (t: TestTenant) => {
  const res = await stack.request("GET", "/api/sessions/usage?days=2", { host: t.host, token: t.token });
  expect(res.status).toBe(200);
  return res.body.usage.reduce((s: number, d: { inputOctets: number }) => s + d.inputOctets, 0);
};

beforeAll(async () => {
  stack = await startStack();
  tenant = await signupTenant(stack);
  other = await signupTenant(stack);
});
afterAll(() => stack.close());

describe("refreshUsage (worker, hourly before the retention)", () => {
  it("rewrites the last hours so a late record counts, and only where asked", async () => {
    const { db, t } = await bound(tenant);
    const [nas] = await db
      .insert(t.nasDevices)
      .values({ name: "late", ipAddress: "192.0.2.3", secretEnc: "x" })
      .returning();
    const [sub] = await db.insert(t.subscribers).values({ username: "late-sub", passwordEnc: "x" }).returning();
    if (!nas || !sub) throw new Error("fixture not inserted");
    // A quarter hour that ended well before now: the first read writes it (with nothing in it).
    const at = Date.now() - 40 * MINUTE;
    const five = new Date(at - (at % (5 * MINUTE)));
    const hour = new Date(at - (at % (60 * MINUTE)));
    expect(await todayTotal(tenant)).toBe(0);
    const written = await db
      .select()
      .from(t.usage15m)
      .where(eq(t.usage15m.bucket, new Date(at - (at % (15 * MINUTE)))));
    expect(written).toHaveLength(1);
    // The late record lands in that quarter hour's 5-minute bucket afterwards.
    const traffic = { subscriberId: sub.id, nasId: nas.id, bytesIn: 4_321, bytesOut: 1 };
    await db.insert(t.traffic5m).values({ ...traffic, bucket: five });
    await db.insert(t.traffic1h).values({ ...traffic, bucket: hour });
    expect(await todayTotal(tenant)).toBe(0);
    const otherBefore = await todayTotal(other);
    const deps = { db: stack.runtime.deps.db, tenantClients: stack.runtime.deps.tenantClients };
    expect(await refreshUsage(deps, { tenantIds: [tenant.id] })).toBe(1);
    expect(await todayTotal(tenant)).toBe(4_321);
    expect(await todayTotal(other)).toBe(otherBefore);
    // The retention leaves the quarter hours of the last 92 days alone.
    await pruneTraffic(deps, { tenantIds: [tenant.id] });
    expect(await todayTotal(tenant)).toBe(4_321);
  });
});
