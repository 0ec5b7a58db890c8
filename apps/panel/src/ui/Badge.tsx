import type { JSX } from "solid-js";

export type BadgeTone = "ok" | "warn" | "bad" | "neutral";

export function Badge(props: { tone?: BadgeTone; children: JSX.Element }) {
  return <span class={`badge badge-${props.tone ?? "neutral"}`}>{props.children}</span>;
}
