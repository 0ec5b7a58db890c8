/** Pure sorting/paging rules behind <Table>, kept apart so they are unit-testable without a DOM. */

export type SortOrder = "asc" | "desc";
export interface SortState {
  key: string;
  order: SortOrder;
}

/** Clicking the sorted column flips its order; clicking another starts ascending. */
export function nextSort(current: SortState | undefined, key: string): SortState {
  if (current?.key === key) return { key, order: current.order === "asc" ? "desc" : "asc" };
  return { key, order: "asc" };
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return 1;
  if (b === null || b === undefined) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: "base" });
}

/** Client-side sort for small lists; empty values go last whatever the order. */
export function sortRows<T>(
  rows: readonly T[],
  sort: SortState | undefined,
  get: (row: T, key: string) => unknown,
): T[] {
  if (!sort) return [...rows];
  const dir = sort.order === "asc" ? 1 : -1;
  return [...rows].sort((x, y) => {
    const a = get(x, sort.key);
    const b = get(y, sort.key);
    if (a === null || a === undefined || b === null || b === undefined) return compare(a, b);
    return dir * compare(a, b);
  });
}

export interface PageInfo {
  page: number;
  limit: number;
  total: number;
}

export function pageCount(p: PageInfo): number {
  return Math.max(1, Math.ceil(p.total / p.limit));
}

/** "26–50 of 120"; "0 of 0" for an empty list. */
export function pageRange(p: PageInfo): string {
  if (p.total === 0) return "0 of 0";
  const from = (p.page - 1) * p.limit + 1;
  const to = Math.min(p.total, p.page * p.limit);
  return `${from}–${to} of ${p.total}`;
}

export function paginate<T>(rows: readonly T[], page: number, limit: number): T[] {
  return rows.slice((page - 1) * limit, page * limit);
}
