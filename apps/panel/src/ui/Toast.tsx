import { createSignal, For } from "solid-js";

interface ToastItem {
  id: number;
  text: string;
  kind: "ok" | "error";
}

const [toasts, setToasts] = createSignal<ToastItem[]>([]);
let nextId = 1;

// More than this and the oldest goes: a burst of saves must not build a wall over the form.
const MAX_SHOWN = 3;

/**
 * Short confirmations ("Plan saved") that fade on their own. They never take clicks (CSS
 * pointer-events), so one over an input never stands in the way of typing into it.
 */
export function toast(text: string, kind: ToastItem["kind"] = "ok"): void {
  const id = nextId++;
  setToasts((t) => [...t, { id, text, kind }].slice(-MAX_SHOWN));
  setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), 4000);
}

export function Toasts() {
  return (
    <div class="toasts" aria-live="polite">
      <For each={toasts()}>{(t) => <div class={`toast toast-${t.kind}`}>{t.text}</div>}</For>
    </div>
  );
}
