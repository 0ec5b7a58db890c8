import { stringify } from "csv-stringify/sync";

// A cell a spreadsheet would run as a formula (CSV injection): it starts with = + - @, a tab or a
// carriage return. Plain numbers (a balance of -5.00, a phone number +254…) are data, not formulas.
const FORMULA_LEAD = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/** A formula-leading cell gets a leading apostrophe, which every spreadsheet shows as text. */
export function neutraliseCell(value: string): string {
  return FORMULA_LEAD.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** The inverse, for imports: a file we exported comes back with the values it went out with. */
export function restoreCell(value: string): string {
  return value.startsWith("'") && FORMULA_LEAD.test(value.slice(1)) ? value.slice(1) : value;
}

/** Every CSV the API serves goes through here, so no export can hand a spreadsheet a live formula. */
export function toCsv(rows: unknown[], columns: readonly string[]): string {
  return stringify(rows, { header: true, columns: [...columns], cast: { string: neutraliseCell } });
}
