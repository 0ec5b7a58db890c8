import type { JSX } from "solid-js";
import { TextField } from "./Field";

/** The list pages' toolbar: a search box, optional filters, the primary "New …" button, then `extra` buttons. */
export function SearchToolbar(props: {
  search: string;
  onSearch: (value: string) => void;
  placeholder?: string;
  newLabel: string;
  onNew: () => void;
  /** False hides the "new" button (a user who may not create). */
  canCreate?: boolean;
  children?: JSX.Element;
  extra?: JSX.Element;
}) {
  return (
    <div class="toolbar">
      <TextField
        label="Search"
        type="search"
        placeholder={props.placeholder}
        value={props.search}
        onValue={(v) => props.onSearch(v)}
      />
      {props.children}
      <button type="button" class="primary" hidden={props.canCreate === false} onClick={() => props.onNew()}>
        {props.newLabel}
      </button>
      {props.extra}
    </div>
  );
}
