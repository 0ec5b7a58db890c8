import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";

// Tokyo has no daylight saving, so its midnight is a fixed UTC instant (15:00 the day before).
const TZ = "Asia/Tokyo";
const DAY = 86_400_000;
const localDay = (d: Date, timeZone: string) => new Intl.DateTimeFormat("en-CA", { timeZone }).format(d);

let stack: Stack;
let tenant: TestTenant;
let subscriberId: string;
const today = localDay(new Date(), TZ);
const midnightToday = Date.parse(`${today}T00:00:00+09:00`);
// Both on the same UTC day, on either side of Tokyo's midnight: only a time-zone-aware grouping splits them.
const justAfterMidnight = new Date(midnightToday - DAY + 30 * 60_000);
const justBeforeMidnight = new Date(midnightToday - DAY - 30 * 60_000);
const rows = [
  { at: new Date(Date.now() - 60_000), input: 100, output: 1_000, mine: true },
  { at: new Date(Date.now() - 120_000), input: 5, output: 7, mine: false },
  { at: justAfterMidnight, input: 20, output: 200, mine: true },
  { at: justBeforeMidnight, input: 3, output: 30, mine: false },
  // Before a 3-day window: never counted there.
  { at: new Date(midnightToday - 3 * DAY - 60_000), input: 999_999, output: 999_999, mine: true },
];

const api = (path: string) => stack.request("GET", path, { host: tenant.host, token: tenant.token });

beforeAll(async () => {
  stack = await startStack();
  tenant = await signupTenant(stack);
  const tz = await stack.request("PATCH", "/api/settings/timezone", {
    host: tenant.host,
    token: tenant.token,
    body: { timezone: TZ },
  });
  if (tz.status !== 200) throw new Error(`timezone: ${tz.status}`);
  const [row] = await stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, tenant.id));
  const { db, t } = stack.runtime.deps.tenantClients.get(row?.schemaName ?? "");
  const [sub] = await db.insert(t.subscribers).values({ username: "usage-sub", passwordEnc: "x" }).returning();
  if (!sub) throw new Error("subscriber not inserted");
  subscriberId = sub.id;
  await db.insert(t.radacct).values(
    rows.map((r, i) => ({
      acctSessionId: `u${i}`,
      acctUniqueId: `${tenant.slug}-u${i}`,
      username: r.mine ? "usage-sub" : "someone-else",
      subscriberId: r.mine ? sub.id : null,
      nasIpAddress: "192.0.2.1",
      startTime: r.at,
      stopTime: new Date(r.at.getTime() + 1_000),
      inputOctets: r.input,
      outputOctets: r.output,
    })),
  );
});
afterAll(() => stack.close());

/** What the API should say, from the rows and an independent day calculation (Intl). */
function expected(days: number, filter: (r: (typeof rows)[number]) => boolean) {
  const labels = Array.from({ length: days }, (_, i) => localDay(new Date(midnightToday - (days - 1 - i) * DAY), TZ));
  return labels.map((day) => {
    const on = rows.filter((r) => filter(r) && localDay(r.at, TZ) === day);
    return {
      day,
      inputOctets: on.reduce((s, r) => s + r.input, 0),
      outputOctets: on.reduce((s, r) => s + r.output, 0),
      sessions: on.length,
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
    expect(res.body.usage).toEqual(expected(3, () => true));
    expect(res.body.usage.at(-1).day).toBe(today);
    expect(res.body.usage.reduce((s: number, d: { sessions: number }) => s + d.sessions, 0)).toBe(4);
  });

  it("defaults to 30 days and takes 1 to 90", async () => {
    const byDefault = await api("/api/sessions/usage");
    expect(byDefault.body.usage).toEqual(expected(30, () => true));
    expect((await api("/api/sessions/usage?days=90")).body.usage).toHaveLength(90);
    expect((await api("/api/sessions/usage?days=1")).body.usage).toEqual(expected(1, () => true));
    expectError(await api("/api/sessions/usage?days=0"), 400, "validation_error");
    expectError(await api("/api/sessions/usage?days=91"), 400, "validation_error");
    expectError(await api("/api/sessions/usage?days=ten"), 400, "validation_error");
  });

  it("the per-subscriber usage shares the same days, counting only that subscriber", async () => {
    const res = await api(`/api/subscribers/${subscriberId}/usage`);
    expect(res.status).toBe(200);
    expect(res.body.usage).toEqual(expected(30, (r) => r.mine));
  });
});
