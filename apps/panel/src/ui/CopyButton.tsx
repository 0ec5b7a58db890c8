import { createSignal } from "solid-js";

/** Copies a value to the clipboard and says so (shared secrets, TXT records). */
export function CopyButton(props: { value: string; label?: string }) {
  const [copied, setCopied] = createSignal(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      // Clipboard refused (insecure origin): the value stays visible and selectable.
      setCopied(false);
    }
  };
  return (
    <button type="button" onClick={copy} aria-live="polite">
      {copied() ? "Copied" : (props.label ?? "Copy")}
    </button>
  );
}
