import { describe, expect, it } from "vitest";
import { formatDate } from "./format";

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
