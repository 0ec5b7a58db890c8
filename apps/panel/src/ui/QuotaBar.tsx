import { formatBytes, quotaLevel } from "./format";

/** "used of limit" as an accessible progress bar, amber from 80 %, red when full. */
export function QuotaBar(props: { used: number; limit: number; label: string; format?: (n: number) => string }) {
  const fmt = (n: number) => (props.format ?? formatBytes)(n);
  const level = () => quotaLevel(props.used, props.limit);
  return (
    <div class="quota">
      <div class="quota-label">
        <span>{props.label}</span>
        <span>
          {fmt(props.used)} of {fmt(props.limit)}
        </span>
      </div>
      <div
        class={`quota-track quota-${level().tone}`}
        role="progressbar"
        aria-label={props.label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(level().percent)}
      >
        <div class="quota-fill" style={{ width: `${level().percent}%` }} />
      </div>
    </div>
  );
}
