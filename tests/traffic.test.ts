// Live bandwidth from interim updates: radclient feeds a session with known octet deltas (one
// crossing 4 GiB through Acct-Input-Gigawords) at known times (Acct-Delay-Time), and the rates,
// the 5-minute and hourly roll-ups and the API's series must come out exactly.

import { tenants } from "@proxpanel/db";
import { tenantTables } from "@proxpanel/db/tenant/factory";
import { radclient, requireRadclient } from "@proxpanel/radius/testing/radclient";
import { asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestDaemon } from "../apps/radius/src/testing.ts";
import { pruneTraffic } from "../apps/worker/src/traffic-retention.ts";
import { type Stack, signupTenant, startStack, type TestTenant, uniqueSlug } from "./harness.ts";

const SECRET = "traffic-nas-secret";
const FIVE = 300_000;
const HOUR = 3_600_000;

describe("live bandwidth and traffic roll-ups from accounting", () => {
  let stack: Stack;
  let daemon: Awaited<ReturnType<typeof startTestDaemon>>;
  let tenant: TestTenant;
  let t: ReturnType<typeof tenantTables>;
  let subId = "";
  let nasId = "";
  const identifier = uniqueSlug("traffic-nas");

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await stack.request(method, path, { host: tenant.host, token: tenant.token, body });
    if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  const acct = async (lines: string) => {
    const r = await radclient({
      port: daemon.acctPort,
      type: "acct",
      secret: SECRET,
      packets: [`NAS-Identifier = "${identifier}"\nUser-Name = "tom"\nAcct-Session-Id = "live-1"\n${lines}`],
    });
    expect(r.replies[0]?.code).toBe("Accounting-Response");
  };
  const session = async () => {
    const [row] = await stack.runtime.deps.db.select().from(t.radacct).where(eq(t.radacct.acctSessionId, "live-1"));
    if (!row?.updateTime) throw new Error("session row missing");
    return row;
  };

  beforeAll(async () => {
    requireRadclient();
    stack = await startStack();
    tenant = await signupTenant(stack);
    const [row] = await stack.runtime.deps.db
      .select({ schemaName: tenants.schemaName })
      .from(tenants)
      .where(eq(tenants.id, tenant.id));
    t = tenantTables(row?.schemaName ?? "");
    const plan = await api("POST", "/api/plans", { name: "Fibre", downloadKbps: 100_000, uploadKbps: 50_000 });
    subId = (await api("POST", "/api/subscribers", { username: "tom", password: "tom-password", planId: plan.plan.id }))
      .subscriber.id;
    nasId = (await api("POST", "/api/nas", { name: "Core", ipAddress: "127.0.0.1", identifier, secret: SECRET })).nas
      .id;
    const deps = stack.runtime.deps;
    daemon = await startTestDaemon(deps);
  });

  afterAll(async () => {
    await daemon?.stop();
    await stack?.close();
  });

  it("computes each interim's rate from the octet and time deltas, Gigawords included, and sums them into buckets", async () => {
    // Times are set with Acct-Delay-Time: the Start 20 minutes ago, interims 15 min and 0 min ago.
    await acct("Acct-Status-Type = Start\nAcct-Delay-Time = 1200");
    const start = await session();
    expect(start.rateIn).toBeNull();

    await acct(
      "Acct-Status-Type = Interim-Update\nAcct-Delay-Time = 900\nAcct-Session-Time = 300\nAcct-Input-Octets = 1500000\nAcct-Output-Octets = 6000000",
    );
    const first = await session();
    const dt1 = ((first.updateTime as Date).getTime() - (start.updateTime as Date).getTime()) / 1000;
    expect(dt1).toBeGreaterThan(290);
    expect(first.rateIn).toBe(Math.round(1_500_000 / dt1));
    expect(first.rateOut).toBe(Math.round(6_000_000 / dt1));

    // The input counter wrapped past 2^32: Acct-Input-Gigawords carries the overflow.
    await acct(
      "Acct-Status-Type = Interim-Update\nAcct-Delay-Time = 0\nAcct-Session-Time = 1200\nAcct-Input-Octets = 700\nAcct-Input-Gigawords = 1\nAcct-Output-Octets = 24000000",
    );
    const second = await session();
    expect(second.inputOctets).toBe(2 ** 32 + 700);
    const dt2 = ((second.updateTime as Date).getTime() - (first.updateTime as Date).getTime()) / 1000;
    const in2 = 2 ** 32 + 700 - 1_500_000;
    const out2 = 24_000_000 - 6_000_000;
    expect(second.rateIn).toBe(Math.round(in2 / dt2));
    expect(second.rateOut).toBe(Math.round(out2 / dt2));

    // Each delta lands in the bucket of the record that reported it.
    const expected = new Map<number, { i: number; o: number }>();
    const add = (m: Map<number, { i: number; o: number }>, at: number, i: number, o: number) => {
      const cur = m.get(at) ?? { i: 0, o: 0 };
      m.set(at, { i: cur.i + i, o: cur.o + o });
    };
    const t1 = (first.updateTime as Date).getTime();
    const t2 = (second.updateTime as Date).getTime();
    add(expected, t1 - (t1 % FIVE), 1_500_000, 6_000_000);
    add(expected, t2 - (t2 % FIVE), in2, out2);
    const hourly = new Map<number, { i: number; o: number }>();
    add(hourly, t1 - (t1 % HOUR), 1_500_000, 6_000_000);
    add(hourly, t2 - (t2 % HOUR), in2, out2);

    const db = stack.runtime.deps.db;
    const five = await db.select().from(t.traffic5m).orderBy(asc(t.traffic5m.bucket));
    expect(new Map(five.map((r) => [r.bucket.getTime(), { i: r.bytesIn, o: r.bytesOut }]))).toEqual(expected);
    expect(five.every((r) => r.subscriberId === subId && r.nasId === nasId)).toBe(true);
    const hours = await db.select().from(t.traffic1h);
    expect(new Map(hours.map((r) => [r.bucket.getTime(), { i: r.bytesIn, o: r.bytesOut }]))).toEqual(hourly);

    // The API's series carry the same totals, and the open session's live rate.
    for (const path of [`/api/traffic/subscribers/${subId}`, `/api/traffic/nas/${nasId}`]) {
      const s = await api("GET", `${path}?range=hours&span=2`);
      expect(s.bucketSeconds).toBe(300);
      expect(s.points).toHaveLength(24);
      const got = s.points.filter((p: { bytesIn: number }) => p.bytesIn > 0);
      expect(
        got.map((p: { at: string; bytesIn: number; bytesOut: number }) => [
          Date.parse(p.at),
          { i: p.bytesIn, o: p.bytesOut },
        ]),
      ).toEqual([...expected]);
      expect(s.live).toEqual({ sessions: 1, rateIn: second.rateIn, rateOut: second.rateOut });
      const d = await api("GET", `${path}?range=days&span=7`);
      expect(d.points).toHaveLength(7);
      const sum = d.points.reduce((n: number, p: { bytesIn: number }) => n + p.bytesIn, 0);
      expect(sum).toBe(1_500_000 + in2);
    }
  });

  it("adds the Stop's last delta and keeps no row per interim", async () => {
    await acct(
      "Acct-Status-Type = Stop\nAcct-Session-Time = 1260\nAcct-Input-Octets = 1700\nAcct-Input-Gigawords = 1\nAcct-Output-Octets = 24500000\nAcct-Terminate-Cause = User-Request",
    );
    const db = stack.runtime.deps.db;
    const [tot] = await db.execute<{ i: number; o: number; n: number }>(
      sql`select sum(bytes_in)::float8 as i, sum(bytes_out)::float8 as o, count(*)::int as n from ${t.traffic5m}`,
    );
    expect(tot?.i).toBe(2 ** 32 + 1700);
    expect(tot?.o).toBe(24_500_000);
    // Three records with traffic, at most three buckets, however many interims arrive.
    expect(tot?.n).toBeLessThanOrEqual(3);
    const s = await api("GET", `/api/traffic/subscribers/${subId}?range=hours&span=1`);
    expect(s.live).toEqual({ sessions: 0, rateIn: 0, rateOut: 0 });
  });

  it("refuses a range beyond what is kept, and another tenant's subscriber", async () => {
    const bad = await stack.request("GET", `/api/traffic/subscribers/${subId}?range=hours&span=49`, {
      host: tenant.host,
      token: tenant.token,
    });
    expect(bad.status).toBe(400);
    const other = await signupTenant(stack);
    const res = await stack.request("GET", `/api/traffic/subscribers/${subId}`, {
      host: other.host,
      token: other.token,
    });
    expect(res.status).toBe(404);
    const random = await api("GET", `/api/nas`);
    expect(random.items[0].health.status).toBe("unknown");
  });

  it("prunes 5-minute buckets after 48 hours and hourly buckets after 90 days", async () => {
    const db = stack.runtime.deps.db;
    const now = Date.now();
    const old5 = new Date(now - 49 * HOUR - ((now - 49 * HOUR) % FIVE));
    const old1 = new Date(now - 91 * 24 * HOUR - ((now - 91 * 24 * HOUR) % HOUR));
    await db.insert(t.traffic5m).values({ bucket: old5, subscriberId: subId, nasId, bytesIn: 1, bytesOut: 1 });
    await db.insert(t.traffic1h).values({ bucket: old1, subscriberId: subId, nasId, bytesIn: 1, bytesOut: 1 });
    const before5 = (await db.select().from(t.traffic5m)).length;
    const before1 = (await db.select().from(t.traffic1h)).length;
    const pruned = await pruneTraffic(
      { db, tenantClients: stack.runtime.deps.tenantClients },
      { tenantIds: [tenant.id] },
    );
    expect(pruned).toEqual([{ tenantId: tenant.id, fiveMinute: 1, hourly: 1, events: 0 }]);
    expect((await db.select().from(t.traffic5m)).length).toBe(before5 - 1);
    expect((await db.select().from(t.traffic1h)).length).toBe(before1 - 1);
  });
});
