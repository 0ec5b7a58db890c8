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

/**
 * "2027-01-02 04:16" in the display zone (24-hour, no seconds), whatever the browser's own zone
 * and language: an operator reads the same clock as the RADIUS expiry and the schedules.
 */
export function formatDate(value: string | null | undefined, zone = displayZone()): string {
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
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
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
