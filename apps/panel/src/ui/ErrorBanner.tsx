import { Show } from "solid-js";
import { errorMessage } from "../api/client";

/** Shows the server's error message as-is; role=alert so screen readers announce it. */
export function ErrorBanner(props: { error: unknown; onDismiss?: () => void }) {
  return (
    <Show when={props.error}>
      <div class="banner banner-error" role="alert">
        <span>{errorMessage(props.error)}</span>
        <Show when={props.onDismiss}>
          <button type="button" class="link" onClick={() => props.onDismiss?.()} aria-label="Dismiss">
            ×
          </button>
        </Show>
      </div>
    </Show>
  );
}
