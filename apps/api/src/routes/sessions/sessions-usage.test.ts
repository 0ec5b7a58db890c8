import { type BoundTenantClient, type TenantTables, tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import type { ServiceCtx } from "../../services/context.ts";
import { tenantUsage } from "./sessions.ts";

// Tokyo has no daylight saving, so its midnight is a fixed UTC instant (15:00 the day before).
const TZ = "Asia/Tokyo";
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const RESELLER = "00000000-0000-4000-8000-0000000000aa";
const localDay = (d: Date, timeZone: string) => new Intl.DateTimeFormat("en-CA", { timeZone }).format(d);
const floor = (ms: number, step: number) => new Date(ms - (ms % step));

let stack: Stack;
let tenant: TestTenant;
let subscriberId: string;
let otherId: string;
let nasId: string;
const today = localDay(new Date(), TZ);
const midnightToday = Date.parse(`${today}T00:00:00+09:00`);
// Both on the same UTC day, on either side of Tokyo's midnight: only a time-zone-aware grouping splits them.
const justAfterMidnight = new Date(midnightToday - DAY + 30 * MINUTE);
const justBeforeMidnight = new Date(midnightToday - DAY - 30 * MINUTE);
type Who = "mine" | "other" | "unknown";
/**
 * Traffic as the RADIUS daemon rolls it up (octets at the time of the accounting record, per
 * subscriber; a session of an unknown username has none).
 */
const traffic: Array<{ at: Date; input: number; output: number; who: Exclude<Who, "unknown"> }> = [
  { at: new Date(Date.now() - 1 * MINUTE), input: 100, output: 1_000, who: "mine" },
  { at: new Date(Date.now() - 2 * MINUTE), input: 5, output: 7, who: "other" },
  { at: justAfterMidnight, input: 20, output: 200, who: "mine" },
  { at: justBeforeMidnight, input: 3, output: 30, who: "other" },
  // Before a 3-day window: never counted there.
  { at: new Date(midnightToday - 3 * DAY - MINUTE), input: 999_999, output: 999_999, who: "mine" },
];
/** Sessions by start; their octets are not what the chart counts (the roll-ups are)… */
const sessions: Array<{ at: Date; who: Who; input?: number; output?: number }> = [
  { at: new Date(Date.now() - 3 * MINUTE), who: "mine" },
  { at: new Date(Date.now() - 4 * MINUTE), who: "unknown" },
  { at: justAfterMidnight, who: "mine" },
  { at: justBeforeMidnight, who: "other" },
  { at: new Date(midnightToday - 3 * DAY - MINUTE), who: "mine" },
  // …except before the roll-ups' first hour (an upgraded install): there the tenant's chart counts a
  // finished session's octets at its start, as before the roll-ups existed.
  { at: new Date(midnightToday - 10 * DAY + 2 * HOUR), who: "other", input: 50_000, output: 60_000 },
];

const api = (path: string) => stack.request("GET", path, { host: tenant.host, token: tenant.token });

async function bound(t: TestTenant) {
  const [row] = await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, t.id));
  return stack.runtime.deps.tenantClients.get(row?.schemaName ?? "");
}

async function setTimezone(t: TestTenant, timezone: string) {
  const res = await stack.request("PATCH", "/api/settings/timezone", {
    host: t.host,
    token: t.token,
    body: { timezone },
  });
  if (res.status !== 200) throw new Error(`timezone: ${res.status}`);
}

/** Writes 5-minute and hourly roll-up rows as the daemon's batch would (same delta in both). */
async function rollUp(
  db: BoundTenantClient["db"],
  t: TenantTables,
  rows: Array<{ at: Date; subscriberId: string; nasId: string; input: number; output: number }>,
) {
  const five = rows.map((r) => ({
    bucket: floor(r.at.getTime(), 5 * MINUTE),
    subscriberId: r.subscriberId,
    nasId: r.nasId,
    bytesIn: r.input,
    bytesOut: r.output,
  }));
  const hours = new Map<
    string,
    { bucket: Date; subscriberId: string; nasId: string; bytesIn: number; bytesOut: number }
  >();
  for (const r of rows) {
    const bucket = floor(r.at.getTime(), HOUR);
    const key = `${bucket.toISOString()}/${r.subscriberId}`;
    const h = hours.get(key) ?? { bucket, subscriberId: r.subscriberId, nasId: r.nasId, bytesIn: 0, bytesOut: 0 };
    h.bytesIn += r.input;
    h.bytesOut += r.output;
    hours.set(key, h);
  }
  await db.insert(t.traffic5m).values(five);
  await db.insert(t.traffic1h).values([...hours.values()]);
}

beforeAll(async () => {
  stack = await startStack();
  tenant = await signupTenant(stack);
  await setTimezone(tenant, TZ);
  const { db, t } = await bound(tenant);
  const [nas] = await db
    .insert(t.nasDevices)
    .values({ name: "usage edge", ipAddress: "192.0.2.1", secretEnc: "x" })
    .returning();
  if (!nas) throw new Error("nas not inserted");
  nasId = nas.id;
  const [sub] = await db.insert(t.subscribers).values({ username: "usage-sub", passwordEnc: "x" }).returning();
  const [other] = await db
    .insert(t.subscribers)
    .values({ username: "usage-other", passwordEnc: "x", resellerId: RESELLER })
    .returning();
  if (!sub || !other) throw new Error("subscribers not inserted");
  subscriberId = sub.id;
  otherId = other.id;
  const ids = { mine: sub.id, other: other.id, unknown: null };
  await db.insert(t.radacct).values(
    sessions.map((r, i) => ({
      acctSessionId: `u${i}`,
      acctUniqueId: `${tenant.slug}-u${i}`,
      username: r.who === "mine" ? "usage-sub" : r.who === "other" ? "usage-other" : "someone-else",
      subscriberId: ids[r.who],
      nasId,
      nasIpAddress: "192.0.2.1",
      startTime: r.at,
      stopTime: new Date(r.at.getTime() + 1_000),
      // Octets the roll-ups already hold must not count twice: radacct's are only read before them.
      inputOctets: r.input ?? 777_777,
      outputOctets: r.output ?? 777_777,
    })),
  );
  await rollUp(
    db,
    t,
    traffic.map((r) => ({ ...r, subscriberId: r.who === "mine" ? sub.id : other.id, nasId })),
  );
});
afterAll(() => stack.close());

/** What the API should say, from the rows and an independent day calculation (Intl). */
function expected(days: number, filter: (who: Who) => boolean, opts: { beforeRollups: boolean }) {
  const labels = Array.from({ length: days }, (_, i) => localDay(new Date(midnightToday - (days - 1 - i) * DAY), TZ));
  return labels.map((day) => {
    const on = traffic.filter((r) => filter(r.who) && localDay(r.at, TZ) === day);
    const started = sessions.filter((r) => filter(r.who) && localDay(r.at, TZ) === day);
    const early = opts.beforeRollups ? started.filter((r) => r.input !== undefined) : [];
    return {
      day,
      inputOctets: on.reduce((s, r) => s + r.input, 0) + early.reduce((s, r) => s + (r.input ?? 0), 0),
      outputOctets: on.reduce((s, r) => s + r.output, 0) + early.reduce((s, r) => s + (r.output ?? 0), 0),
      sessions: started.length,
    };
  });
}

describe("GET /api/sessions/usage", () => {
  it("sums the whole tenant's traffic per day of the tenant's time zone, every day listed", async () => {
    // The premise of the time-zone check: the two rows share a UTC day but not a Tokyo day.
    expect(localDay(justAfterMidnight, "UTC")).toBe(localDay(justBeforeMidnight, "UTC"));
    expect(localDay(justAfterMidnight, TZ)).not.toBe(localDay(justBeforeMidnight, TZ));
    const res = await api("/api/sessions/usage?days=3");
    expect(res.status).toBe(200);
    expect(res.body.timezone).toBe(TZ);
    expect(res.body.usage).toEqual(expected(3, () => true, { beforeRollups: true }));
    expect(res.body.usage.at(-1)).toMatchObject({ day: today, inputOctets: 105, outputOctets: 1_007, sessions: 2 });
    expect(res.body.usage.reduce((s: number, d: { sessions: number }) => s + d.sessions, 0)).toBe(4);
  });

  it("defaults to 30 days and takes 1 to 90; before the roll-ups began, finished sessions count", async () => {
    const byDefault = await api("/api/sessions/usage");
    expect(byDefault.body.usage).toEqual(expected(30, () => true, { beforeRollups: true }));
    expect(byDefault.body.usage.some((d: { inputOctets: number }) => d.inputOctets === 50_000)).toBe(true);
    expect((await api("/api/sessions/usage?days=90")).body.usage).toHaveLength(90);
    expect((await api("/api/sessions/usage?days=1")).body.usage).toEqual(
      expected(1, () => true, { beforeRollups: true }),
    );
    expectError(await api("/api/sessions/usage?days=0"), 400, "validation_error");
    expectError(await api("/api/sessions/usage?days=91"), 400, "validation_error");
    expectError(await api("/api/sessions/usage?days=ten"), 400, "validation_error");
  });

  it("traffic arriving after a read is in the next one (the newest minutes come from the 5-minute roll-ups)", async () => {
    const before = (await api("/api/sessions/usage?days=1")).body.usage[0];
    const { db, t } = await bound(tenant);
    const [late] = await db.insert(t.subscribers).values({ username: "usage-late", passwordEnc: "x" }).returning();
    if (!late) throw new Error("subscriber not inserted");
    await rollUp(db, t, [{ at: new Date(), subscriberId: late.id, nasId, input: 1, output: 2 }]);
    const after = (await api("/api/sessions/usage?days=1")).body.usage[0];
    expect(after.inputOctets - before.inputOctets).toBe(1);
    expect(after.outputOctets - before.outputOctets).toBe(2);
    await db.delete(t.traffic5m).where(eq(t.traffic5m.subscriberId, late.id));
    await db.delete(t.traffic1h).where(eq(t.traffic1h.subscriberId, late.id));
  });

  it("a reseller's chart sums only its own subscribers' traffic and sessions", async () => {
    const b = await bound(tenant);
    const ctx: ServiceCtx = {
      tenant: { ...b, id: tenant.id, slug: tenant.slug },
      db: b.db,
      actor: {
        userId: null,
        resellerId: RESELLER,
        permissions: ["sessions.view"],
        label: "r",
        ip: null,
        requestId: null,
      },
    };
    const res = await tenantUsage({ ctx, input: { days: 3 } });
    expect(res.usage).toEqual(expected(3, (who) => who === "other", { beforeRollups: false }));
    expect(res.usage.reduce((s, d) => s + d.inputOctets, 0)).toBe(8);
    const month = await tenantUsage({ ctx, input: { days: 30 } });
    expect(month.usage).toEqual(expected(30, (who) => who === "other", { beforeRollups: true }));
  });

  it("the per-subscriber usage shares the same days, counting only that subscriber", async () => {
    const res = await api(`/api/subscribers/${subscriberId}/usage`);
    expect(res.status).toBe(200);
    expect(res.body.usage).toEqual(expected(30, (who) => who === "mine", { beforeRollups: false }));
    expect((await api(`/api/subscribers/${otherId}/usage`)).body.usage).toEqual(
      expected(30, (who) => who === "other", { beforeRollups: false }),
    );
  });
});

describe("usage in a 45-minute zone (Asia/Kathmandu, UTC+5:45: midnight at 18:15 UTC)", () => {
  const NPT = "Asia/Kathmandu";
  let npt: TestTenant;
  let sub: string;
  let nasId: string;
  // The latest local midnight at least 10 minutes old (so both rows below lie in the past).
  const todayNpt = localDay(new Date(), NPT);
  let midnight = Date.parse(`${todayNpt}T00:00:00+05:45`);
  if (Date.now() - midnight < 10 * MINUTE) midnight -= DAY;
  const before = new Date(midnight - 10 * MINUTE);
  const after = new Date(midnight + 5 * MINUTE);
  // A midnight 3 days back, beyond the 5-minute roll-ups' 47 hours: only hourly rows are read there.
  const old = midnight - 3 * DAY;
  const oldHourBefore = new Date(old - 30 * MINUTE); // its hour (22:45-23:45 local) lies in one day
  const oldBefore = new Date(old - 10 * MINUTE); // its hour (23:45-00:45) is mostly the new day
  const oldAfter = new Date(old + 5 * MINUTE);
  const get = async (path: string) => {
    const res = await stack.request("GET", path, { host: npt.host, token: npt.token });
    expect(res.status).toBe(200);
    return res.body;
  };
  /** The subscriber's chart and the traffic days series, as {day: [in, out]} over the last 30 days. */
  const bothRoutes = async () => {
    const usage = (await get(`/api/subscribers/${sub}/usage`)).usage as Array<{
      day: string;
      inputOctets: number;
      outputOctets: number;
    }>;
    const series = (await get(`/api/traffic/subscribers/${sub}?range=days&span=30`)).points as Array<{
      at: string;
      bytesIn: number;
      bytesOut: number;
    }>;
    const nas = (await get(`/api/traffic/nas/${nasId}?range=days&span=30`)).points as typeof series;
    return {
      usage: Object.fromEntries(usage.map((d) => [d.day, [d.inputOctets, d.outputOctets]])),
      // A day's point starts at its local midnight.
      series: Object.fromEntries(series.map((p) => [localDay(new Date(p.at), NPT), [p.bytesIn, p.bytesOut]])),
      nas: Object.fromEntries(nas.map((p) => [localDay(new Date(p.at), NPT), [p.bytesIn, p.bytesOut]])),
    };
  };

  beforeAll(async () => {
    npt = await signupTenant(stack);
    await setTimezone(npt, NPT);
    const { db, t } = await bound(npt);
    const [nas] = await db
      .insert(t.nasDevices)
      .values({ name: "npt", ipAddress: "192.0.2.2", secretEnc: "x" })
      .returning();
    const [s] = await db.insert(t.subscribers).values({ username: "npt-sub", passwordEnc: "x" }).returning();
    if (!nas || !s) throw new Error("fixture not inserted");
    sub = s.id;
    nasId = nas.id;
    await rollUp(db, t, [
      { at: before, subscriberId: s.id, nasId: nas.id, input: 10, output: 100 },
      { at: after, subscriberId: s.id, nasId: nas.id, input: 1, output: 1_000 },
    ]);
    // 3 days back the retention job has deleted the 5-minute rows: hourly rows only.
    await db.insert(t.traffic1h).values([
      { bucket: floor(oldHourBefore.getTime(), HOUR), subscriberId: s.id, nasId: nas.id, bytesIn: 2, bytesOut: 20 },
      // oldBefore's 100 and oldAfter's 1,000 octets in, 3 and 3 out: one hour's row.
      { bucket: floor(oldBefore.getTime(), HOUR), subscriberId: s.id, nasId: nas.id, bytesIn: 1_100, bytesOut: 6 },
    ]);
  });

  it("the premise: the rows around each midnight lie in one UTC hour, on two local days", () => {
    expect(floor(before.getTime(), HOUR).getTime()).toBe(floor(after.getTime(), HOUR).getTime());
    expect(localDay(before, NPT)).not.toBe(localDay(after, NPT));
    expect(floor(oldBefore.getTime(), HOUR).getTime()).toBe(floor(oldAfter.getTime(), HOUR).getTime());
    expect(localDay(oldBefore, NPT)).not.toBe(localDay(oldAfter, NPT));
    expect(localDay(oldHourBefore, NPT)).toBe(localDay(oldBefore, NPT));
    expect(floor(oldHourBefore.getTime(), HOUR).getTime()).toBeLessThan(floor(oldBefore.getTime(), HOUR).getTime());
  });

  it("the tenant's chart splits that hour at local midnight exactly", async () => {
    const res = await stack.request("GET", "/api/sessions/usage?days=3", { host: npt.host, token: npt.token });
    expect(res.status).toBe(200);
    const byDay = new Map(res.body.usage.map((d: { day: string }) => [d.day, d]));
    expect(byDay.get(localDay(before, NPT))).toMatchObject({ inputOctets: 10, outputOctets: 100 });
    expect(byDay.get(localDay(after, NPT))).toMatchObject({ inputOctets: 1, outputOctets: 1_000 });
  });

  it("a subscriber's chart and the traffic days series give the same day totals, split exactly while the 5-minute rows last", async () => {
    const { usage, series, nas } = await bothRoutes();
    expect(Object.keys(usage)).toHaveLength(30);
    expect(series).toEqual(usage);
    expect(nas).toEqual(usage);
    const expected = Object.fromEntries(Object.keys(usage).map((day) => [day, [0, 0]]));
    // Recent midnight: the 5-minute rows split its hour exactly.
    expected[localDay(before, NPT)] = [10, 100];
    expected[localDay(after, NPT)] = [1, 1_000];
    // 3 days back, hourly rows only: an hour within one day counts to it; the hour holding
    // midnight counts whole to the day holding most of it (45 of its 60 minutes: the new day).
    expected[localDay(oldHourBefore, NPT)] = [2, 20];
    expected[localDay(oldAfter, NPT)] = [1_100, 6];
    expect(usage).toEqual(expected);
  });
});
