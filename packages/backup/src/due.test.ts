import { describe, expect, it } from "vitest";
import { cronPattern, nextDueAt } from "./due.ts";

const daily2 = { frequency: "daily" as const, timeOfDay: "02:00", dayOfWeek: null, dayOfMonth: null };

describe("next due time in the tenant's timezone", () => {
  it("fires at 02:00 local in Beirut and in New York, which are different instants", () => {
    const from = new Date("2025-01-15T12:00:00Z");
    // Beirut is UTC+2 in winter, New York UTC-5.
    expect(nextDueAt(daily2, "Asia/Beirut", from).toISOString()).toBe("2025-01-16T00:00:00.000Z");
    expect(nextDueAt(daily2, "America/New_York", from).toISOString()).toBe("2025-01-16T07:00:00.000Z");
  });

  it("keeps 02:00 local across New York's autumn DST change", () => {
    // 2025-11-02 02:00 EDT becomes 01:00 EST: the UTC instant of "02:00" moves an hour later.
    const before = nextDueAt(daily2, "America/New_York", new Date("2025-10-31T12:00:00Z"));
    expect(before.toISOString()).toBe("2025-11-01T06:00:00.000Z");
    const after = nextDueAt(daily2, "America/New_York", before);
    expect(after.toISOString()).toBe("2025-11-02T07:00:00.000Z");
  });

  it("keeps 02:00 local across Beirut's spring DST change", () => {
    // Beirut moves to UTC+3 on 2025-03-30 at 00:00.
    const before = nextDueAt(daily2, "Asia/Beirut", new Date("2025-03-28T12:00:00Z"));
    expect(before.toISOString()).toBe("2025-03-29T00:00:00.000Z");
    const after = nextDueAt(daily2, "Asia/Beirut", before);
    expect(after.toISOString()).toBe("2025-03-29T23:00:00.000Z");
  });

  it("builds weekly, monthly and hourly patterns", () => {
    expect(cronPattern({ frequency: "weekly", timeOfDay: "03:15", dayOfWeek: 1, dayOfMonth: null })).toBe("15 3 * * 1");
    expect(cronPattern({ frequency: "monthly", timeOfDay: "23:59", dayOfWeek: null, dayOfMonth: 28 })).toBe(
      "59 23 28 * *",
    );
    expect(cronPattern({ frequency: "hourly", timeOfDay: "00:07", dayOfWeek: null, dayOfMonth: null })).toBe(
      "7 * * * *",
    );
    const weekly = nextDueAt(
      { frequency: "weekly", timeOfDay: "03:15", dayOfWeek: 1, dayOfMonth: null },
      "America/New_York",
      new Date("2025-06-04T00:00:00Z"),
    );
    // Monday 2025-06-09 03:15 EDT.
    expect(weekly.toISOString()).toBe("2025-06-09T07:15:00.000Z");
    expect(() => cronPattern({ frequency: "daily", timeOfDay: "25:00", dayOfWeek: null, dayOfMonth: null })).toThrow();
  });
});
