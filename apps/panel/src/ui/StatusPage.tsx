import type { JSX } from "solid-js";

/** A full-page message (suspended, moved, unavailable) shown instead of the panel. */
export function StatusPage(props: { title: string; testId?: string; children?: JSX.Element }) {
  return (
    <main class="status-page" data-testid={props.testId}>
      <h1>{props.title}</h1>
      <p>{props.children}</p>
    </main>
  );
}
