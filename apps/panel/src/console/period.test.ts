import { describe, expect, it } from "vitest";
import { periodError, presetPeriod } from "./period";

const NOW = new Date("2026-11-23T20:00:00Z");

describe("report periods", () => {
  it("turns presets into whole UTC days with an exclusive end", () => {
    expect(presetPeriod("this-month", NOW)).toEqual({ from: "2026-11-01", to: "2026-12-01" });
    expect(presetPeriod("last-month", NOW)).toEqual({ from: "2026-10-01", to: "2026-11-01" });
    expect(presetPeriod("last-30-days", NOW)).toEqual({ from: "2026-10-25", to: "2026-11-24" });
    expect(presetPeriod("this-year", NOW)).toEqual({ from: "2026-01-01", to: "2027-01-01" });
    expect(presetPeriod("last-month", new Date("2026-01-10T00:00:00Z"))).toEqual({
      from: "2025-12-01",
      to: "2026-01-01",
    });
  });

  it("refuses what the API would refuse", () => {
    expect(periodError({ from: "2026-11-01", to: "2026-12-01" })).toBeUndefined();
    expect(periodError({ from: "2026-12-01", to: "2026-11-01" })).toMatch(/after/);
    expect(periodError({ from: "2024-01-01", to: "2026-01-01" })).toMatch(/400 days/);
    expect(periodError({ from: "", to: "2026-01-01" })).toMatch(/both/);
  });
});
