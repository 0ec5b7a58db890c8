/** Report periods as whole UTC days: `to` is exclusive, so "November" is Nov 1 → Dec 1. */

export interface Period {
  from: string;
  to: string;
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const utc = (y: number, m: number, d = 1) => new Date(Date.UTC(y, m, d));

export function presetPeriod(
  preset: "this-month" | "last-month" | "last-30-days" | "this-year",
  now = new Date(),
): Period {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  switch (preset) {
    case "this-month":
      return { from: day(utc(y, m)), to: day(utc(y, m + 1)) };
    case "last-month":
      return { from: day(utc(y, m - 1)), to: day(utc(y, m)) };
    case "last-30-days":
      return { from: day(utc(y, m, now.getUTCDate() - 29)), to: day(utc(y, m, now.getUTCDate() + 1)) };
    case "this-year":
      return { from: day(utc(y, 0)), to: day(utc(y + 1, 0)) };
  }
}

/** The same limits the API enforces, checked before sending. */
export function periodError(p: Period): string | undefined {
  const from = Date.parse(p.from);
  const to = Date.parse(p.to);
  if (Number.isNaN(from) || Number.isNaN(to)) return "Choose both dates.";
  if (to <= from) return "The end must be after the start.";
  if (to - from > 400 * 86_400_000) return "A report may span at most 400 days.";
  return undefined;
}
