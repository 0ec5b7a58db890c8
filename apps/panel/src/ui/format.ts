/** Pure formatting helpers shared by the panel and the console. */

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

export function formatDate(value: string | null | undefined): string {
  if (!value) return "—";
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toLocaleString();
}

/** Share of a quota used, clamped to 0..100, and the tone to draw it in. */
export function quotaLevel(used: number, limit: number): { percent: number; tone: "ok" | "warn" | "bad" } {
  if (!(limit > 0)) return { percent: 0, tone: "ok" };
  const percent = Math.min(100, Math.max(0, (used / limit) * 100));
  return { percent, tone: percent >= 100 ? "bad" : percent >= 80 ? "warn" : "ok" };
}
