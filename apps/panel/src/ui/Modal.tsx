import { createSignal, type JSX, onCleanup, onMount, Show } from "solid-js";
import { Portal } from "solid-js/web";

/** A dialog that takes focus, closes on Escape and gives focus back to what opened it. */
export function Modal(props: { title: string; onClose: () => void; children: JSX.Element }) {
  let box: HTMLDivElement | undefined;
  const opener = document.activeElement as HTMLElement | null;
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") props.onClose();
  };
  onMount(() => {
    document.addEventListener("keydown", onKey);
    const first = box?.querySelector<HTMLElement>("input, select, textarea, button");
    first?.focus();
  });
  onCleanup(() => {
    document.removeEventListener("keydown", onKey);
    opener?.focus?.();
  });
  return (
    <Portal>
      <div class="modal-backdrop">
        <div class="modal" role="dialog" aria-modal="true" aria-label={props.title} ref={box}>
          <header class="modal-head">
            <h2>{props.title}</h2>
            <button type="button" class="link" aria-label="Close" onClick={() => props.onClose()}>
              ×
            </button>
          </header>
          {props.children}
        </div>
      </div>
    </Portal>
  );
}

/**
 * Asks before a destructive action. With `typed`, the user must type that word (a tenant slug,
 * "RESTORE") so a stray Enter cannot confirm.
 */
export function ConfirmDialog(props: {
  title: string;
  message: JSX.Element;
  confirmLabel: string;
  typed?: string;
  danger?: boolean;
  onConfirm: () => void | Promise<void>;
  onClose: () => void;
}) {
  const [text, setText] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const ready = () => !busy() && (!props.typed || text() === props.typed);
  const confirm = async (e: Event) => {
    e.preventDefault();
    if (!ready()) return;
    setBusy(true);
    try {
      await props.onConfirm();
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal title={props.title} onClose={props.onClose}>
      <form onSubmit={confirm}>
        <div class="confirm-message">{props.message}</div>
        <Show when={props.typed}>
          <label class="field">
            <span>
              Type <strong>{props.typed}</strong> to confirm
            </span>
            <input value={text()} onInput={(e) => setText(e.currentTarget.value)} />
          </label>
        </Show>
        <div class="actions">
          <button type="button" onClick={() => props.onClose()}>
            Cancel
          </button>
          <button type="submit" class={props.danger ? "danger" : "primary"} disabled={!ready()}>
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
