import { For, Show } from "solid-js";

export interface BarSeries {
  label: string;
  color: string;
}

/**
 * A small stacked bar chart in plain SVG (usage per day): enough for a trend, no chart library in
 * the bundle. The numbers are also in a visually hidden table for screen readers.
 */
export function BarChart(props: {
  title: string;
  labels: string[];
  series: BarSeries[];
  values: number[][];
  format: (n: number) => string;
  /** Said instead of bare axes when every value is zero (e.g. what to do to get data). */
  empty?: string;
}) {
  const W = 600;
  const H = 180;
  const totals = () => props.labels.map((_, i) => props.values.reduce((s, v) => s + (v[i] ?? 0), 0));
  const max = () => Math.max(1, ...totals());
  const bw = () => W / Math.max(1, props.labels.length);
  return (
    <figure class="chart-figure">
      <figcaption>{props.title}</figcaption>
      <Show
        when={props.labels.length > 0 && totals().some((t) => t > 0)}
        fallback={<p class="muted chart-empty">{props.empty ?? "No data for this period."}</p>}
      >
        <svg class="chart" viewBox={`0 0 ${W} ${H + 20}`} role="img" aria-label={props.title}>
          <For each={props.labels}>
            {(label, i) => {
              let y = H;
              return (
                <g>
                  <For each={props.series}>
                    {(s, k) => {
                      const h = ((props.values[k()]?.[i()] ?? 0) / max()) * H;
                      y -= h;
                      return (
                        <rect x={i() * bw() + 1} y={y} width={Math.max(1, bw() - 2)} height={h} fill={s.color}>
                          <title>{`${label} ${s.label}: ${props.format(props.values[k()]?.[i()] ?? 0)}`}</title>
                        </rect>
                      );
                    }}
                  </For>
                </g>
              );
            }}
          </For>
          {/* Every label when they fit (a few categories), else only the first and last (days). */}
          <Show
            when={props.labels.length <= 8}
            fallback={
              <>
                <text x="0" y={H + 15} font-size="11">
                  {props.labels[0]}
                </text>
                <text x={W} y={H + 15} font-size="11" text-anchor="end">
                  {props.labels[props.labels.length - 1]}
                </text>
              </>
            }
          >
            <For each={props.labels}>
              {(label, i) => (
                <text x={i() * bw() + bw() / 2} y={H + 15} font-size="11" text-anchor="middle">
                  {label}
                </text>
              )}
            </For>
          </Show>
        </svg>
        <div class="legend">
          <For each={props.series}>
            {(s) => (
              <span>
                <span class="swatch" style={{ background: s.color }} /> {s.label}
              </span>
            )}
          </For>
        </div>
      </Show>
    </figure>
  );
}
