import { createSignal, For } from "solid-js";

interface ToastItem {
  id: number;
  text: string;
  kind: "ok" | "error";
}

const [toasts, setToasts] = createSignal<ToastItem[]>([]);
let nextId = 1;

/** Short confirmations ("Plan saved") that disappear on their own. */
export function toast(text: string, kind: ToastItem["kind"] = "ok"): void {
  const id = nextId++;
  setToasts((t) => [...t, { id, text, kind }]);
  setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), 4000);
}

export function Toasts() {
  return (
    <div class="toasts" aria-live="polite">
      <For each={toasts()}>{(t) => <div class={`toast toast-${t.kind}`}>{t.text}</div>}</For>
    </div>
  );
}
