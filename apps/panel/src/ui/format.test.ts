import { describe, expect, it } from "vitest";
import { formatDate, formatMoney, formatRate, fromZonedInput, toZonedInput } from "./format";

describe("formatDate", () => {
  it("shows the instant on the display zone's clock, 24-hour, whatever the browser's zone", () => {
    const instant = "2027-01-01T22:16:18Z";
    expect(formatDate(instant, "UTC")).toBe("2027-01-01 22:16");
    expect(formatDate(instant, "Africa/Nairobi")).toBe("2027-01-02 01:16");
    expect(formatDate(instant, "America/La_Paz")).toBe("2027-01-01 18:16");
    expect(formatDate(null)).toBe("—");
    expect(formatDate("not a date")).toBe("not a date");
  });

  it("follows the tenant's date order and clock", () => {
    const instant = "2027-01-01T22:16:18Z";
    expect(formatDate(instant, "Africa/Nairobi", { order: "dmy", clock: "24h" })).toBe("02/01/2027 01:16");
    expect(formatDate(instant, "UTC", { order: "mdy", clock: "12h" })).toBe("01/01/2027 10:16 PM");
    expect(formatDate("2027-01-01T00:05:00Z", "UTC", { order: "ymd", clock: "12h" })).toBe("2027-01-01 12:05 AM");
  });
});

describe("formatRate", () => {
  it("names speeds in the unit people use", () => {
    expect(formatRate(100_000)).toBe("100 Mbit/s");
    expect(formatRate(50_000)).toBe("50 Mbit/s");
    expect(formatRate(1_500)).toBe("1.5 Mbit/s");
    expect(formatRate(512)).toBe("512 kbit/s");
    expect(formatRate(2_500_000)).toBe("2.5 Gbit/s");
  });
});

describe("tenant wall-clock inputs", () => {
  it("shows and reads a datetime-local value on the tenant's clock, across DST", () => {
    expect(toZonedInput("2027-01-31T21:30:00.000Z", "Africa/Nairobi")).toBe("2027-02-01T00:30");
    expect(fromZonedInput("2027-02-01T00:30", "Africa/Nairobi")).toBe("2027-01-31T21:30:00.000Z");
    // Berlin: winter UTC+1, summer UTC+2.
    expect(fromZonedInput("2027-07-01T12:00", "Europe/Berlin")).toBe("2027-07-01T10:00:00.000Z");
    expect(fromZonedInput("2027-01-01T12:00", "Europe/Berlin")).toBe("2027-01-01T11:00:00.000Z");
    expect(toZonedInput(fromZonedInput("2027-03-28T03:30", "Europe/Berlin"), "Europe/Berlin")).toBe("2027-03-28T03:30");
    expect(fromZonedInput("tomorrow", "UTC")).toBeUndefined();
    expect(toZonedInput(null)).toBe("");
  });
});

describe("formatMoney", () => {
  it("names the tenant's currency on every amount", () => {
    const plain = (s: string) => s.replace(/\s/g, " ");
    expect(plain(formatMoney(150_000, "KES"))).toBe("KES 1,500.00");
    expect(formatMoney(1_990, "EUR")).toBe("€19.90");
    expect(formatMoney(1_500, "USD")).toBe("$15.00");
  });
});
