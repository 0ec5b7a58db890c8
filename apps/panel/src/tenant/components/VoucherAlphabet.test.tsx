import { describe, expect, it } from "vitest";
import { ALPHABETS, alphabetOf, customAlphabetError, minCodeLength } from "./VoucherAlphabet";

describe("voucher code characters", () => {
  it("gives the preset's characters, or the custom ones", () => {
    expect(alphabetOf("digits", "")).toBe("0123456789");
    expect(alphabetOf("clear", "")).toBe(ALPHABETS.clear.chars);
    expect(alphabetOf("custom", " XYZ789 ")).toBe("XYZ789");
    expect(alphabetOf("custom", "")).toBeUndefined();
  });

  it("refuses what the API refuses: other characters, too few or many, a repeat in either case", () => {
    expect(customAlphabetError("XYZ789")).toBeUndefined();
    expect(customAlphabetError("AB-C")).toMatch(/letters and digits/);
    expect(customAlphabetError("A")).toMatch(/2 to 64/);
    expect(customAlphabetError("A".repeat(65))).toMatch(/2 to 64/);
    expect(customAlphabetError("ABCA")).toMatch(/"A" appears twice/);
    expect(customAlphabetError("abcB")).toMatch(/"B" appears twice/);
  });

  it("needs codes long enough for 32 bits", () => {
    expect(minCodeLength(10)).toBe(10); // 10 digits: 33.2 bits
    expect(minCodeLength(6)).toBe(13);
    expect(minCodeLength(ALPHABETS.clear.chars.length)).toBe(7);
    expect(minCodeLength(2)).toBe(32);
  });
});
