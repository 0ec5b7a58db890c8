import { describe, expect, it } from "vitest";
import { localDayNumber, prorate } from "./prorate.ts";

const base = {
  timeZone: "Africa/Nairobi",
  // A 30-day period from 1 March 00:00 to 31 March 00:00, Nairobi time (UTC+3).
  periodStart: new Date("2027-02-28T21:00:00Z"),
  periodEnd: new Date("2027-03-30T21:00:00Z"),
  billedCents: 3_000,
  newPriceCents: 6_000,
  newValidityDays: 30,
};

describe("prorate", () => {
  it("credits the unused days of the billed period and charges them at the new plan", () => {
    // 21 March 10:00 Nairobi: 21..30 March are left, 10 of 30 days.
    const r = prorate({ ...base, now: new Date("2027-03-21T07:00:00Z") });
    expect(r).toEqual({ periodDays: 30, daysLeft: 10, creditCents: 1_000, chargeCents: 2_000 });
  });

  it("counts days on the tenant's calendar, not UTC's", () => {
    // 22:30 UTC on 20 March is already 21 March in Nairobi: 10 days left, not 11.
    expect(prorate({ ...base, now: new Date("2027-03-20T22:30:00Z") }).daysLeft).toBe(10);
    expect(prorate({ ...base, now: new Date("2027-03-20T20:30:00Z") }).daysLeft).toBe(11);
  });

  it("counts a day with a clock change as one day", () => {
    // Europe/Berlin moves to summer time on 28 March 2027: the day has 23 hours.
    const r = prorate({
      ...base,
      timeZone: "Europe/Berlin",
      periodStart: new Date("2027-02-28T23:00:00Z"),
      periodEnd: new Date("2027-03-30T22:00:00Z"),
      now: new Date("2027-03-27T12:00:00Z"),
    });
    expect(r).toMatchObject({ periodDays: 30, daysLeft: 4 });
  });

  it("prices the remaining days by the new plan's own validity, rounding half up to the cent", () => {
    const r = prorate({
      ...base,
      billedCents: 1_001,
      newPriceCents: 999,
      newValidityDays: 7,
      now: new Date("2027-03-29T06:00:00Z"),
    });
    // 2 days left of 30: 1001 × 2 / 30 = 66.73 → 67; 999 × 2 / 7 = 285.43 → 285.
    expect(r).toEqual({ periodDays: 30, daysLeft: 2, creditCents: 67, chargeCents: 285 });
  });

  it("gives a downgrade more credit than charge", () => {
    const r = prorate({ ...base, newPriceCents: 1_500, now: new Date("2027-03-16T07:00:00Z") });
    expect(r).toEqual({ periodDays: 30, daysLeft: 15, creditCents: 1_500, chargeCents: 750 });
  });

  it("moves nothing on the first day charged whole, after expiry or for a free new plan", () => {
    expect(prorate({ ...base, now: new Date("2027-03-01T05:00:00Z") }).daysLeft).toBe(30);
    expect(prorate({ ...base, now: new Date("2027-03-30T21:00:00Z") })).toEqual({
      periodDays: 30,
      daysLeft: 0,
      creditCents: 0,
      chargeCents: 0,
    });
    expect(prorate({ ...base, newPriceCents: 0, now: new Date("2027-03-21T07:00:00Z") }).chargeCents).toBe(0);
  });

  it("numbers local days", () => {
    expect(localDayNumber(new Date("1970-01-01T23:30:00Z"), "UTC")).toBe(0);
    expect(localDayNumber(new Date("1970-01-01T23:30:00Z"), "Africa/Nairobi")).toBe(1);
    expect(localDayNumber(new Date("1970-01-02T01:00:00Z"), "America/New_York")).toBe(0);
  });
});
