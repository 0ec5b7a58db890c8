import { createUniqueId, For, type JSX, Show, splitProps } from "solid-js";

interface BaseProps {
  label: string;
  error?: string | undefined;
  hint?: string;
}

/** Text fields are nearly always bound to a signal: `onValue={setName}` instead of an onInput handler. */
interface TypedProps {
  onValue?: (value: string) => void;
}

/** Label + input + inline error, wired with for/id and aria-invalid for keyboard and screen readers. */
export function TextField(props: BaseProps & TypedProps & JSX.InputHTMLAttributes<HTMLInputElement>) {
  const [own, rest] = splitProps(props, ["label", "error", "hint", "onValue"]);
  const id = createUniqueId();
  return (
    <div class="field">
      <label for={id}>{own.label}</label>
      <input
        id={id}
        aria-invalid={own.error ? "true" : undefined}
        aria-describedby={`${id}-msg`}
        onInput={(e) => own.onValue?.(e.currentTarget.value)}
        {...rest}
      />
      <Show when={own.error ?? own.hint}>
        <small id={`${id}-msg`} class={own.error ? "field-error" : "field-hint"}>
          {own.error ?? own.hint}
        </small>
      </Show>
    </div>
  );
}

export interface Option {
  value: string;
  label: string;
}

export function SelectField(
  props: BaseProps & { options: Option[]; placeholder?: string } & JSX.SelectHTMLAttributes<HTMLSelectElement>,
) {
  const [own, rest] = splitProps(props, ["label", "error", "hint", "options", "placeholder"]);
  const id = createUniqueId();
  return (
    <div class="field">
      <label for={id}>{own.label}</label>
      <select id={id} aria-invalid={own.error ? "true" : undefined} {...rest}>
        <Show when={own.placeholder !== undefined}>
          <option value="">{own.placeholder}</option>
        </Show>
        {/* `selected` on the option as well: a select's value set before its options exist is lost,
            and the browser would show the first option instead of the saved one. */}
        <For each={own.options}>
          {(o) => (
            <option value={o.value} selected={String(o.value) === String(props.value ?? "")}>
              {o.label}
            </option>
          )}
        </For>
      </select>
      <Show when={own.error ?? own.hint}>
        <small class={own.error ? "field-error" : "field-hint"}>{own.error ?? own.hint}</small>
      </Show>
    </div>
  );
}

export function TextAreaField(props: BaseProps & TypedProps & JSX.TextareaHTMLAttributes<HTMLTextAreaElement>) {
  const [own, rest] = splitProps(props, ["label", "error", "hint", "onValue"]);
  const id = createUniqueId();
  return (
    <div class="field">
      <label for={id}>{own.label}</label>
      <textarea
        id={id}
        aria-invalid={own.error ? "true" : undefined}
        onInput={(e) => own.onValue?.(e.currentTarget.value)}
        {...rest}
      />
      <Show when={own.error ?? own.hint}>
        <small class={own.error ? "field-error" : "field-hint"}>{own.error ?? own.hint}</small>
      </Show>
    </div>
  );
}

export function CheckboxField(props: { label: string } & JSX.InputHTMLAttributes<HTMLInputElement>) {
  const [own, rest] = splitProps(props, ["label"]);
  const id = createUniqueId();
  return (
    <div class="field field-check">
      <input id={id} type="checkbox" {...rest} />
      <label for={id}>{own.label}</label>
    </div>
  );
}
