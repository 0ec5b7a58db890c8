import type { ServicePlan } from "@proxpanel/db";

/**
 * Same string as the API's `mikrotikRateLimit` (apps/api/src/routes/plans/plans.ts). Kept here so the
 * daemon does not pull the API's service layer in; db-source.test.ts compares both through the
 * plan the API returns.
 */
export function planRateLimit(
  p: Pick<
    ServicePlan,
    "downloadKbps" | "uploadKbps" | "burstDownloadKbps" | "burstUploadKbps" | "burstThresholdPct" | "burstTimeS"
  >,
): string {
  // The NAS sees traffic from its side: rx is the subscriber's upload, tx the download.
  const base = `${p.uploadKbps}k/${p.downloadKbps}k`;
  if (!p.burstDownloadKbps || !p.burstUploadKbps) return base;
  const pct = p.burstThresholdPct ?? 75;
  const th = `${Math.round((p.uploadKbps * pct) / 100)}k/${Math.round((p.downloadKbps * pct) / 100)}k`;
  const time = p.burstTimeS ?? 8;
  return `${base} ${p.burstUploadKbps}k/${p.burstDownloadKbps}k ${th} ${time}/${time}`;
}

/** The rate a plan falls back to once its quota is used up, or undefined when it blocks instead. */
export function throttleRateLimit(
  p: Pick<ServicePlan, "fupAction" | "fupDownloadKbps" | "fupUploadKbps">,
): string | undefined {
  if (p.fupAction !== "throttle" || !p.fupDownloadKbps || !p.fupUploadKbps) return undefined;
  return `${p.fupUploadKbps}k/${p.fupDownloadKbps}k`;
}
