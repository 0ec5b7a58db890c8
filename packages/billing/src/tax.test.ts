import { describe, expect, it } from "vitest";
import { applyTax, formatPercent } from "./tax.ts";

describe("applyTax", () => {
  it("adds an exclusive rate on top, rounding half up to the cent", () => {
    expect(applyTax(1_000, { name: "VAT", basisPoints: 1_600, inclusive: false })).toEqual({
      subtotalCents: 1_000,
      taxCents: 160,
      totalCents: 1_160,
    });
    // 333 × 7.5 % = 24.975 → 25
    expect(applyTax(333, { name: "GST", basisPoints: 750, inclusive: false }).taxCents).toBe(25);
  });

  it("splits an inclusive rate out of the price, the parts adding up to it exactly", () => {
    const r = applyTax(1_160, { name: "VAT", basisPoints: 1_600, inclusive: true });
    expect(r).toEqual({ subtotalCents: 1_000, taxCents: 160, totalCents: 1_160 });
    for (const price of [1, 99, 1_001, 2_999, 123_457]) {
      const x = applyTax(price, { name: "VAT", basisPoints: 1_650, inclusive: true });
      expect(x.subtotalCents + x.taxCents).toBe(price);
      expect(x.totalCents).toBe(price);
    }
  });

  it("leaves the amount alone without a rate or at 0 %", () => {
    expect(applyTax(500, null)).toEqual({ subtotalCents: 500, taxCents: 0, totalCents: 500 });
    expect(applyTax(500, { name: "Zero", basisPoints: 0, inclusive: false }).totalCents).toBe(500);
  });

  it("prints basis points as a percentage", () => {
    expect(formatPercent(1_600)).toBe("16 %");
    expect(formatPercent(750)).toBe("7.5 %");
  });
});
