import { For, type JSX, Show } from "solid-js";
import { nextSort, type PageInfo, pageCount, pageRange, type SortState } from "./table-logic";

export interface Column<T> {
  key: string;
  label: string;
  sortable?: boolean;
  render?: (row: T) => JSX.Element;
}

/**
 * A controlled table: the caller owns sort and page (server-side lists pass them to the API,
 * small lists use sortRows/paginate), so the same component serves both.
 */
export function Table<T>(props: {
  columns: Column<T>[];
  rows: readonly T[];
  rowKey: (row: T) => string;
  caption?: string;
  sort?: SortState;
  onSort?: (s: SortState) => void;
  page?: PageInfo;
  onPage?: (page: number) => void;
  empty?: string;
  loading?: boolean;
}) {
  const ariaSort = (key: string) =>
    props.sort?.key === key ? (props.sort.order === "asc" ? "ascending" : "descending") : undefined;
  const cell = (row: T, col: Column<T>): JSX.Element =>
    col.render ? col.render(row) : String((row as Record<string, unknown>)[col.key] ?? "—");
  return (
    <div class="table-wrap">
      <table aria-busy={props.loading ? "true" : undefined}>
        <Show when={props.caption}>
          <caption>{props.caption}</caption>
        </Show>
        <thead>
          <tr>
            <For each={props.columns}>
              {(col) => (
                <th scope="col" aria-sort={ariaSort(col.key)}>
                  <Show when={col.sortable && props.onSort} fallback={col.label}>
                    <button type="button" class="sort" onClick={() => props.onSort?.(nextSort(props.sort, col.key))}>
                      {col.label}
                      <span aria-hidden="true">
                        {props.sort?.key === col.key ? (props.sort.order === "asc" ? " ▲" : " ▼") : ""}
                      </span>
                    </button>
                  </Show>
                </th>
              )}
            </For>
          </tr>
        </thead>
        <tbody>
          <For
            each={props.rows}
            fallback={
              <tr>
                <td colSpan={props.columns.length} class="empty">
                  {props.loading ? "Loading…" : (props.empty ?? "Nothing here yet.")}
                </td>
              </tr>
            }
          >
            {(row) => (
              <tr data-key={props.rowKey(row)}>
                <For each={props.columns}>{(col) => <td data-label={col.label}>{cell(row, col)}</td>}</For>
              </tr>
            )}
          </For>
        </tbody>
      </table>
      <Show when={props.page}>
        {(p) => (
          <nav class="pager" aria-label="Pages">
            <button type="button" disabled={p().page <= 1} onClick={() => props.onPage?.(p().page - 1)}>
              Previous
            </button>
            <span>{pageRange(p())}</span>
            <button type="button" disabled={p().page >= pageCount(p())} onClick={() => props.onPage?.(p().page + 1)}>
              Next
            </button>
          </nav>
        )}
      </Show>
    </div>
  );
}
