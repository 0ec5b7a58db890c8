import type { JSX } from "solid-js";
import { ErrorBanner } from "./ErrorBanner";
import { Modal } from "./Modal";
import { createSubmit } from "./submit";

/**
 * A modal form with the panel's usual frame: error banner on top, Cancel + submit at the bottom.
 * `onSubmit` validates and sends; whatever it throws is shown in the banner (cleared on the next
 * try), so the dialog stays open with the user's input. With `busyLabel` the submit button is disabled while sending.
 */
export function FormDialog(props: {
  title: string;
  submitLabel: string;
  busyLabel?: string;
  onSubmit: () => Promise<unknown>;
  onClose: () => void;
  children: JSX.Element;
}) {
  const { busy, error, submit } = createSubmit({ send: () => props.onSubmit() });
  return (
    <Modal title={props.title} onClose={props.onClose}>
      <form onSubmit={submit} noValidate>
        <ErrorBanner error={error()} />
        {props.children}
        <div class="actions">
          <button type="button" onClick={() => props.onClose()}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={props.busyLabel !== undefined && busy()}>
            {props.busyLabel !== undefined && busy() ? props.busyLabel : props.submitLabel}
          </button>
        </div>
      </form>
    </Modal>
  );
}
