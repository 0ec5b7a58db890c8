import { createSignal } from "solid-js";

/**
 * The submit cycle every panel form repeats: stop the browser's own submit, run the client check
 * (a failed check sends nothing and leaves the last error as is), then send while `busy`, keeping
 * a failure in `error` for the form's banner. `onError` may claim a failure so it is not shown.
 */
export function createSubmit(opts: {
  send: () => Promise<unknown>;
  check?: () => boolean;
  onError?: (err: unknown) => boolean;
}) {
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  const submit = async (e?: Event) => {
    e?.preventDefault();
    if (opts.check && !opts.check()) return;
    setBusy(true);
    setError(undefined);
    try {
      await opts.send();
    } catch (err) {
      if (!opts.onError?.(err)) setError(err);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}
