import { type JSX, Show } from "solid-js";
import { ConfirmDialog } from "./Modal";

/** A fixed text, or one made from the row (a tenant's slug to type, say). */
type PerItem<T> = string | ((item: T) => string);
const text = <T,>(v: PerItem<T> | undefined, item: T) => (typeof v === "function" ? v(item) : v);

/**
 * Asks about the row the user picked (open while `item` is set) and closes once the action has
 * run, worked or not: `action` reports its own failure (in the page's banner, see createActionError).
 */
export function ConfirmAction<T>(props: {
  item: T | undefined;
  title: PerItem<T>;
  message: (item: T) => JSX.Element;
  confirmLabel: string;
  typed?: PerItem<T>;
  danger?: boolean;
  action: (item: T) => Promise<unknown>;
  onClose: () => void;
}) {
  return (
    <Show when={props.item}>
      {(item) => (
        <ConfirmDialog
          title={text(props.title, item()) ?? ""}
          message={props.message(item())}
          confirmLabel={props.confirmLabel}
          typed={text(props.typed, item())}
          danger={props.danger}
          onClose={props.onClose}
          onConfirm={async () => {
            try {
              await props.action(item());
            } finally {
              props.onClose();
            }
          }}
        />
      )}
    </Show>
  );
}
