import { createSignal } from "solid-js";

/**
 * The page-level error of row actions (delete, toggle, top up…): `run` clears the last failure and
 * shows a new one in the page's banner instead of letting it escape as an unhandled rejection.
 */
export function createActionError() {
  const [error, setError] = createSignal<unknown>();
  return {
    error,
    dismiss: () => setError(undefined),
    run: async (fn: () => Promise<unknown>) => {
      setError(undefined);
      try {
        await fn();
      } catch (err) {
        setError(err);
      }
    },
  };
}
