/**
 * Pro-rating on a plan change, as a pure computation (the API applies it in the plan change's
 * transaction). The rule, day-based on the tenant's calendar:
 * - the period is the one the subscriber's last invoice billed, [periodStart, periodEnd), and
 *   periodEnd is the subscriber's expiry (the expiry does not move on a plan change);
 * - its length and the days left are counted in whole local days of the tenant's timezone
 *   (a 23- or 25-hour day at a clock change is one day); the day of the change counts as left,
 *   so it is paid at the new plan;
 * - credit = what that invoice billed (tax included) × days left / period days;
 * - charge = the new plan's price × days left / the new plan's validity (tax added as on any
 *   invoice by the tenant's default rate);
 * - amounts round half up to the cent; nothing is credited or charged when no whole day is left.
 */

export interface ProrateInput {
  now: Date;
  timeZone: string;
  periodStart: Date;
  periodEnd: Date;
  /** What the period's invoice billed, tax included, less what was already credited on it. */
  billedCents: number;
  newPriceCents: number;
  newValidityDays: number;
}

export interface Proration {
  periodDays: number;
  daysLeft: number;
  creditCents: number;
  chargeCents: number;
}

const DAY_MS = 86_400_000;

/** The tenant-local calendar day of an instant, as a day number (days since 1970-01-01). */
export function localDayNumber(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" })
    .formatToParts(at)
    .reduce<Record<string, number>>((acc, p) => {
      if (p.type !== "literal") acc[p.type] = Number(p.value);
      return acc;
    }, {});
  return Math.round(Date.UTC(parts.year ?? 1970, (parts.month ?? 1) - 1, parts.day ?? 1) / DAY_MS);
}

/** n × num / den rounded half up, in integers (no float error on cents). */
const share = (n: number, num: number, den: number) => Math.floor((2 * n * num + den) / (2 * den));

export function prorate(input: ProrateInput): Proration {
  const start = localDayNumber(input.periodStart, input.timeZone);
  const end = localDayNumber(input.periodEnd, input.timeZone);
  const today = localDayNumber(input.now, input.timeZone);
  const periodDays = Math.max(0, end - start);
  const daysLeft = input.now >= input.periodEnd ? 0 : Math.min(periodDays, Math.max(0, end - today));
  if (periodDays === 0 || daysLeft === 0) return { periodDays, daysLeft: 0, creditCents: 0, chargeCents: 0 };
  return {
    periodDays,
    daysLeft,
    creditCents: share(Math.max(0, input.billedCents), daysLeft, periodDays),
    chargeCents:
      input.newValidityDays > 0 ? share(Math.max(0, input.newPriceCents), daysLeft, input.newValidityDays) : 0,
  };
}
