import { describe, expect, it } from "vitest";
import { formatDate, formatRate } from "./format";

describe("formatDate", () => {
  it("shows the instant on the display zone's clock, 24-hour, whatever the browser's zone", () => {
    const instant = "2027-01-01T22:16:18Z";
    expect(formatDate(instant, "UTC")).toBe("2027-01-01 22:16");
    expect(formatDate(instant, "Africa/Nairobi")).toBe("2027-01-02 01:16");
    expect(formatDate(instant, "America/La_Paz")).toBe("2027-01-01 18:16");
    expect(formatDate(null)).toBe("—");
    expect(formatDate("not a date")).toBe("not a date");
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
