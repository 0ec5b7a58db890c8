import { BarChart } from "./BarChart";
import { formatBytes } from "./format";

export interface DailyTraffic {
  day: string;
  inputOctets: number;
  outputOctets: number;
}

/**
 * Download (what the subscriber received: RADIUS output octets) over upload per day, as the
 * dashboard, a subscriber's usage dialog and the portal all show it.
 */
export function TrafficChart(props: { title: string; usage: DailyTraffic[]; empty?: string }) {
  return (
    <BarChart
      title={props.title}
      labels={props.usage.map((d) => d.day)}
      series={[
        { label: "Download", color: "var(--primary)" },
        { label: "Upload", color: "var(--accent)" },
      ]}
      values={[props.usage.map((d) => d.outputOctets), props.usage.map((d) => d.inputOctets)]}
      format={formatBytes}
      {...(props.empty ? { empty: props.empty } : {})}
    />
  );
}
