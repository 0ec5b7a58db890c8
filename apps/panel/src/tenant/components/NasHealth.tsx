import { Show } from "solid-js";
import { Badge, type BadgeTone } from "../../ui/Badge";
import { formatDate } from "../../ui/format";
import type { NasHealth } from "../types";

const TONE: Record<NasHealth["status"], BadgeTone> = { online: "ok", silent: "bad", unknown: "neutral" };
const REASON: Record<NonNullable<NasHealth["silentReason"]>, string> = {
  no_packets: "no packets",
  accounting_gap: "accounting stopped",
};

/** "online", "unknown", or "silent" with why (no packets at all, or accounting stopped with sessions open). */
export function nasStatusText(h: NasHealth | undefined): string {
  if (!h) return "unknown";
  return h.status === "silent" && h.silentReason ? `silent: ${REASON[h.silentReason]}` : h.status;
}

export function NasStatusBadge(props: { health: NasHealth | undefined }) {
  return <Badge tone={TONE[props.health?.status ?? "unknown"] ?? "neutral"}>{nasStatusText(props.health)}</Badge>;
}

/** The last Status-Server probe: "answered in 3 ms", "no answer", or "not probed" (the NAS does not answer them). */
export function probeText(h: NasHealth | undefined): string {
  const p = h?.probe;
  if (!p) return "not probed";
  return p.ok ? `answered${p.rttMs === null ? "" : ` in ${p.rttMs} ms`}` : "no answer";
}

/** Every health fact of one NAS, times on the tenant's clock. */
export function NasHealthFacts(props: { health: NasHealth | undefined }) {
  const h = () => props.health;
  return (
    <dl class="health-facts" data-testid="nas-health">
      <dt>Status</dt>
      <dd>
        <NasStatusBadge health={h()} />
        <Show when={h()?.statusSince}>{(since) => <> since {formatDate(since())}</>}</Show>
      </dd>
      <dt>Last seen (any packet)</dt>
      <dd data-testid="nas-last-seen">{formatDate(h()?.lastSeenAt)}</dd>
      <dt>Last accounting</dt>
      <dd data-testid="nas-last-acct">{formatDate(h()?.lastAcctAt)}</dd>
      <dt>Status-Server probe</dt>
      <dd data-testid="nas-probe">
        {probeText(h())}
        <Show when={h()?.probe}>{(p) => <> at {formatDate(p().at)}</>}</Show>
      </dd>
    </dl>
  );
}
