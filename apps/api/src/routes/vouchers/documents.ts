import { toCsv } from "../../csv.ts";
import type { ServiceCtx } from "../../services/context.ts";
import { getCurrency } from "../portal/preferences.ts";
import { getSettings, readBrandingAsset } from "../settings/settings.ts";
import { voucherCardsPdf } from "./cards-pdf.ts";
import { getVoucherSettings } from "./settings.ts";
import { batchVouchers, getBatch } from "./vouchers.ts";

export function money(cents: number, currency: string): string {
  try {
    return new Intl.NumberFormat("en", { style: "currency", currency }).format(cents / 100);
  } catch {
    return `${(cents / 100).toFixed(2)} ${currency}`;
  }
}

/** 90 -> "1 min 30 s", 7200 -> "2 h", 604800 -> "7 days". */
export function duration(s: number): string {
  const parts: string[] = [];
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const min = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d) parts.push(`${d} ${d === 1 ? "day" : "days"}`);
  if (h) parts.push(`${h} h`);
  if (min) parts.push(`${min} min`);
  if (sec || !parts.length) parts.push(`${sec} s`);
  return parts.join(" ");
}

/** Decimal units, as ISPs sell data: 1 GB = 10^9 bytes. */
export function bytes(n: number): string {
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number.isInteger(v) ? v : v.toFixed(1)} ${units[i]}`;
}

export function terms(b: { timeLimitS: number | null; dataLimitBytes: number | null; validityS: number | null }) {
  const t: string[] = [];
  if (b.timeLimitS) t.push(`${duration(b.timeLimitS)} online`);
  if (b.dataLimitBytes) t.push(bytes(b.dataLimitBytes));
  if (b.validityS) t.push(`valid ${duration(b.validityS)} from first use`);
  return t.join(" · ");
}

const fileStem = (b: { name: string; id: string }) =>
  `vouchers-${(b.name || b.id.slice(0, 8)).replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 60)}`;

export async function batchCsv({ ctx, input }: { ctx: ServiceCtx; input: { id: string } }) {
  const batch = await getBatch({ ctx, input });
  const [rows, currency] = await Promise.all([batchVouchers(ctx, batch.id), getCurrency(ctx)]);
  const price = (batch.priceCents / 100).toFixed(2);
  const csv = toCsv(
    rows.map((r) => ({
      code: r.code,
      state: r.state,
      batch: batch.name,
      price,
      currency,
      time_limit_s: batch.timeLimitS ?? "",
      data_limit_bytes: batch.dataLimitBytes ?? "",
      validity_s: batch.validityS ?? "",
      first_used_at: r.firstUsedAt?.toISOString() ?? "",
      expires_at: r.expiresAt?.toISOString() ?? "",
      used_seconds: r.usedSeconds,
      used_bytes: r.usedBytes,
    })),
    [
      "code",
      "state",
      "batch",
      "price",
      "currency",
      "time_limit_s",
      "data_limit_bytes",
      "validity_s",
      "first_used_at",
      "expires_at",
      "used_seconds",
      "used_bytes",
    ],
  );
  return { csv, filename: `${fileStem(batch)}.csv` };
}

/** Cards for the batch's vouchers that can still be sold (unused); used ones need no reprint. */
export async function batchCardsPdf({ ctx, input }: { ctx: ServiceCtx; input: { id: string; root: string } }) {
  const batch = await getBatch({ ctx, input });
  const [rows, currency, settings, logo, vs] = await Promise.all([
    batchVouchers(ctx, batch.id),
    getCurrency(ctx),
    getSettings({ ctx }),
    readBrandingAsset({ ctx, input: { kind: "logo", root: input.root } }),
    getVoucherSettings({ ctx }),
  ]);
  const loginUrl = vs.loginUrl;
  const bytesOut = await voucherCardsPdf({
    company: settings.companyName,
    // PDFKit embeds PNG and JPEG only.
    logo: logo && (logo.ext === "png" || logo.ext === "jpg") ? logo.bytes : null,
    primaryColor: settings.branding.primaryColor,
    accentColor: settings.branding.accentColor,
    batchName: batch.name,
    terms: terms(batch),
    price: money(batch.priceCents, currency),
    codes: rows.filter((r) => r.state === "unused").map((r) => r.code),
    qr: (code) => {
      if (!loginUrl) return code;
      const pw = vs.passwordMode === "code" ? code : "";
      const sep = loginUrl.includes("?") ? "&" : "?";
      return `${loginUrl}${sep}username=${encodeURIComponent(code)}&password=${encodeURIComponent(pw)}`;
    },
  });
  return { bytes: bytesOut, filename: `${fileStem(batch)}.pdf` };
}
