import { createRoot, createSignal } from "solid-js";

/** Formatting helpers shared by the panel and the console. */

// The zone every date is shown in: the tenant's (from its branding) in its panel, UTC in the
// console. A signal, so dates on screen follow when the tenant's setting arrives or changes.
const [displayZone, setDisplayZoneSignal] = createRoot(() => createSignal("UTC"));

export function setDisplayTimezone(zone: string | undefined): void {
  setDisplayZoneSignal(zone || "UTC");
}

export function displayTimezone(): string {
  return displayZone();
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export interface DateFormat {
  order: "ymd" | "dmy" | "mdy";
  clock: "24h" | "12h";
}
// The tenant's choice (Settings → Date format); ISO-like and 24-hour until it arrives.
const [displayFormat, setDisplayFormatSignal] = createRoot(() =>
  createSignal<DateFormat>({ order: "ymd", clock: "24h" }),
);

export function setDisplayDateFormat(format: DateFormat | undefined): void {
  setDisplayFormatSignal(format ?? { order: "ymd", clock: "24h" });
}

/**
 * "2027-01-02 04:16" in the display zone (24-hour, no seconds, or the tenant's chosen order and
 * clock), whatever the browser's own zone and language: an operator reads the same clock as the
 * RADIUS expiry and the schedules.
 */
export function formatDate(value: string | null | undefined, zone = displayZone(), format = displayFormat()): string {
  if (!value) return "—";
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return value;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  const date =
    format.order === "dmy"
      ? `${parts.day}/${parts.month}/${parts.year}`
      : format.order === "mdy"
        ? `${parts.month}/${parts.day}/${parts.year}`
        : `${parts.year}-${parts.month}-${parts.day}`;
  if (format.clock === "24h") return `${date} ${parts.hour}:${parts.minute}`;
  const h = Number(parts.hour);
  return `${date} ${h % 12 === 0 ? 12 : h % 12}:${parts.minute} ${h < 12 ? "AM" : "PM"}`;
}

/** A rate in kbit/s as people say it: "100 Mbit/s", "1.5 Gbit/s", "512 kbit/s". */
export function formatRate(kbps: number): string {
  if (!Number.isFinite(kbps) || kbps < 0) return "—";
  const [value, unit] =
    kbps >= 1_000_000 ? [kbps / 1_000_000, "Gbit/s"] : kbps >= 1_000 ? [kbps / 1_000, "Mbit/s"] : [kbps, "kbit/s"];
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${unit}`;
}

/** Share of a quota used, clamped to 0..100, and the tone to draw it in. */
export function quotaLevel(used: number, limit: number): { percent: number; tone: "ok" | "warn" | "bad" } {
  if (!(limit > 0)) return { percent: 0, tone: "ok" };
  const percent = Math.min(100, Math.max(0, (used / limit) * 100));
  return { percent, tone: percent >= 100 ? "bad" : percent >= 80 ? "warn" : "ok" };
}

/** Cents in the tenant's currency as people read it: "KES 1,500.00", "$15.00", "€9.90". */
export function formatMoney(cents: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).format(cents / 100);
  } catch {
    // An unknown code still shows the amount, with the code as given.
    return `${currency} ${(cents / 100).toFixed(2)}`;
  }
}

/** Minutes east of UTC of `zone` at the instant `ms`. */
function zoneOffsetMinutes(ms: number, zone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(ms))
      .map((p) => [p.type, Number(p.value)]),
  );
  const n = (k: string) => parts[k] ?? 0;
  const asUtc = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second"));
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60_000);
}

/** An instant as a `datetime-local` value ("2027-02-01T00:30") on the wall clock of `zone`. */
export function toZonedInput(value: string | null | undefined, zone = displayZone()): string {
  if (!value) return "";
  const ms = new Date(value).getTime();
  if (Number.isNaN(ms)) return "";
  return new Date(ms + zoneOffsetMinutes(ms, zone) * 60_000).toISOString().slice(0, 16);
}

/**
 * A `datetime-local` value read on the wall clock of `zone` (the tenant's, not the browser's) as
 * an ISO instant; undefined when it is not a date. Twice around the offset, for DST edges.
 */
export function fromZonedInput(local: string, zone = displayZone()): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(local.trim());
  if (!m) return undefined;
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  let ms = wall - zoneOffsetMinutes(wall, zone) * 60_000;
  ms = wall - zoneOffsetMinutes(ms, zone) * 60_000;
  return new Date(ms).toISOString();
}
