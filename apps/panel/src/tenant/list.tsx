import { createResource, createSignal } from "solid-js";
import type { SortState } from "../ui/table-logic";
import type { Page } from "./types";

export interface ListQuery {
  page: number;
  limit: number;
  search: string;
  sort: SortState;
}

/**
 * State of a server-side list (page, sort, search) and the resource that follows it. Changing
 * search or sort goes back to page 1 so the user never lands on an empty page.
 */
export function createList<T>(fetcher: (q: ListQuery) => Promise<Page<T>>, initialSort: SortState, limit = 25) {
  const [page, setPage] = createSignal(1);
  const [sort, setSortSignal] = createSignal(initialSort);
  const [search, setSearchSignal] = createSignal("");
  const [version, setVersion] = createSignal(0);
  const query = () => ({ page: page(), limit, search: search(), sort: sort(), v: version() });
  const [data] = createResource(query, (q) => fetcher(q));
  return {
    data,
    page,
    setPage,
    sort,
    setSort: (s: SortState) => {
      setSortSignal(s);
      setPage(1);
    },
    search,
    setSearch: (s: string) => {
      setSearchSignal(s);
      setPage(1);
    },
    reload: () => setVersion((v) => v + 1),
    /** The Table props this list drives, to spread: `<Table {...list.table} …/>` (sort stays explicit). */
    table: {
      get rows() {
        return data.latest?.items ?? [];
      },
      get page() {
        return { page: page(), limit, total: data.latest?.total ?? 0 };
      },
      onPage: setPage,
      get loading() {
        return data.loading;
      },
    },
  };
}

/** The API's search param: omitted when blank so the server does not filter on "". */
export const searchParam = (s: string) => (s.trim() ? s.trim() : undefined);

/** The query params every sortable list endpoint takes, from a list's state. */
export const listParams = <S extends string>(q: ListQuery) => ({
  page: q.page,
  limit: q.limit,
  search: searchParam(q.search),
  sort: q.sort.key as S,
  order: q.sort.order,
});
