import { createResource, Show } from "solid-js";
import { unwrap } from "../../api/client";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { formatBytes, formatDate } from "../../ui/format";
import { Table } from "../../ui/Table";
import { TrafficChart } from "../../ui/TrafficChart";
import { portalApi } from "../client";
import type { PortalSession } from "../types";

const duration = (s: number) => {
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min` : `${m} min`;
};

const columns = [
  { key: "startTime", label: "Started", render: (r: PortalSession) => formatDate(r.startTime) },
  { key: "stopTime", label: "Ended", render: (r: PortalSession) => (r.stopTime ? formatDate(r.stopTime) : "online") },
  { key: "sessionTime", label: "Duration", render: (r: PortalSession) => duration(r.sessionTime) },
  { key: "outputOctets", label: "Downloaded", render: (r: PortalSession) => formatBytes(r.outputOctets) },
  { key: "inputOctets", label: "Uploaded", render: (r: PortalSession) => formatBytes(r.inputOctets) },
  { key: "framedIpAddress", label: "IP address" },
];

/** Daily traffic for the last 30 days of the provider's calendar, and the connections behind it. */
export default function Sessions() {
  const [usage] = createResource(() => unwrap(portalApi.GET("/api/portal/usage", { params: { query: { days: 30 } } })));
  const [sessions] = createResource(() => unwrap(portalApi.GET("/api/portal/sessions")));
  return (
    <section>
      <h1>Usage & sessions</h1>
      <ErrorBanner error={usage.error ?? sessions.error} />
      <Show
        when={usage()}
        fallback={
          <Show when={!usage.error}>
            <p class="muted">Loading…</p>
          </Show>
        }
      >
        {(u) => (
          <TrafficChart
            title="Traffic per day (last 30 days)"
            usage={u().usage}
            empty="No traffic in the last 30 days."
          />
        )}
      </Show>
      <Show when={sessions()}>
        {(s) => (
          <>
            <h2>Connected now</h2>
            <Table columns={columns} rows={s().open} rowKey={(r) => String(r.id)} empty="Not connected right now." />
            <h2>Recent connections</h2>
            <Table columns={columns} rows={s().recent} rowKey={(r) => String(r.id)} empty="No connections yet." />
          </>
        )}
      </Show>
    </section>
  );
}
