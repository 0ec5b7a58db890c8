import { parse } from "csv-parse/sync";
import { describe, expect, it } from "vitest";
import { neutraliseCell, restoreCell, toCsv } from "./csv.ts";

describe("CSV cells a spreadsheet would run", () => {
  it("turns every formula-leading cell into text and leaves data alone", () => {
    for (const v of ["=1+1", "+cmd", "-2+3", "@SUM(1)", "\tx", "\rx", '=HYPERLINK("http://evil.example","x")']) {
      expect(neutraliseCell(v)).toBe(`'${v}`);
    }
    for (const v of ["plain", "-5.00", "+254700000001", "12", "a=b", ""]) expect(neutraliseCell(v)).toBe(v);
  });

  it("round-trips through an import: what went out comes back unchanged", () => {
    const values = ["=1+1", "@SUM(1+1)*cmd|' /C calc'!A0", "-5.00", "'quoted", "normal"];
    const csv = toCsv(
      values.map((v) => [v]),
      ["v"],
    );
    const rows = parse(csv, { columns: true, cast: restoreCell }) as { v: string }[];
    expect(rows.map((r) => r.v)).toEqual(values);
    expect(csv).not.toMatch(/^=|\n=/);
  });
});
