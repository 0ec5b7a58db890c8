import { createResource, createSignal, Show } from "solid-js";
import { api, unwrap } from "../../api/client";
import type { ApiData } from "../../api/types";
import { BarChart } from "../../ui/BarChart";
import { ErrorBanner } from "../../ui/ErrorBanner";
import { SelectField } from "../../ui/Field";
import { formatBytes, formatDate, formatRate } from "../../ui/format";

/** A subscriber's or a NAS's traffic: both routes answer the same series. */
export type TrafficSeries = ApiData<"/api/traffic/subscribers/{id}", "get"> | ApiData<"/api/traffic/nas/{id}", "get">;

type Range = TrafficSeries["range"];

/** Bytes per second as the operator reads bandwidth: bits per second. */
export const formatBps = (bytesPerSecond: number) => formatRate((bytesPerSecond * 8) / 1000);

/**
 * Live bandwidth (sum of the open sessions' latest rates) and traffic of one subscriber or NAS:
 * 5-minute buckets over the last 24 hours, or days over the last 30, drawn with the same bar chart
 * as the dashboard's and the portal's 30-day traffic. Times are the tenant's.
 */
export function LiveTraffic(props: { kind: "subscriber" | "nas"; id: string; name: string }) {
  const [range, setRange] = createSignal<Range>("hours");
  const [series] = createResource(range, (r) => {
    const query = { range: r, span: r === "hours" ? 24 : 30 };
    const req =
      props.kind === "nas"
        ? api.GET("/api/traffic/nas/{id}", { params: { path: { id: props.id }, query } })
        : api.GET("/api/traffic/subscribers/{id}", { params: { path: { id: props.id }, query } });
    return unwrap<TrafficSeries>(req);
  });
  const label = (at: string, r: Range) => {
    const text = formatDate(at);
    return r === "days" ? text.slice(0, 10) : text;
  };
  return (
    <div class="live-traffic" data-testid="live-traffic">
      <ErrorBanner error={series.error} />
      <SelectField
        label="Period"
        value={range()}
        options={[
          { value: "hours", label: "Last 24 hours (5-minute steps)" },
          { value: "days", label: "Last 30 days" },
        ]}
        onChange={(e) => setRange(e.currentTarget.value === "days" ? "days" : "hours")}
      />
      {/* `.latest`, not series(): reading the resource would suspend the lazily loaded panel chunk. */}
      <Show when={series.latest}>
        {(s) => (
          <>
            <p data-testid="live-rate">
              Now: {s().live.sessions} open session{s().live.sessions === 1 ? "" : "s"}, ↓ {formatBps(s().live.rateOut)}{" "}
              ↑ {formatBps(s().live.rateIn)}
            </p>
            <BarChart
              title={`Traffic of ${props.name}`}
              labels={s().points.map((p) => label(p.at, s().range))}
              series={[
                { label: "Download", color: "var(--primary)" },
                { label: "Upload", color: "var(--accent)" },
              ]}
              values={[s().points.map((p) => p.bytesOut), s().points.map((p) => p.bytesIn)]}
              format={formatBytes}
              empty="No traffic yet: bars appear as the NAS sends interim accounting updates."
            />
          </>
        )}
      </Show>
    </div>
  );
}
