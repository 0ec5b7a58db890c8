import { cleanup, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import { asImportReport, ImportReport } from "./ImportReport";

afterEach(cleanup);

describe("ImportReport", () => {
  it("lists every bad row with its line, username and all of its problems", () => {
    const report = {
      rows: 3,
      valid: 1,
      imported: 0,
      dryRun: true,
      errors: [
        { line: 2, username: "bob", errors: ["password: at least 4 characters", "plan: unknown plan Gold"] },
        { line: 4, errors: ["username: required"] },
      ],
    };
    render(() => <ImportReport report={report} />);
    expect(screen.getByRole("status").textContent).toContain("Checked 3 rows: 1 valid, 2 with problems.");
    const rows = [...document.querySelectorAll("tbody tr")].map((tr) =>
      [...tr.querySelectorAll("td")].map((td) => td.textContent),
    );
    expect(rows).toEqual([
      ["2", "bob", "password: at least 4 characters; plan: unknown plan Gold"],
      ["4", "—", "username: required"],
    ]);
  });

  it("reports a finished import without an error table", () => {
    render(() => <ImportReport report={{ rows: 2, valid: 2, imported: 2, dryRun: false, errors: [] }} />);
    expect(screen.getByRole("status").textContent).toContain("Imported 2 of 2 rows.");
    expect(document.querySelector("table")).toBeNull();
  });

  it("recognises the report inside a refused import's error details and nothing else", () => {
    expect(asImportReport({ rows: 1, valid: 0, imported: 0, dryRun: false, errors: [] })?.rows).toBe(1);
    expect(asImportReport({ field: "x" })).toBeUndefined();
    expect(asImportReport(null)).toBeUndefined();
  });
});
