import { z } from "zod";

/** Query parameters shared by every list endpoint. */
export const pageQuery = {
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  limit: z.coerce.number().int().min(1).max(100).default(25),
  search: z.string().trim().max(100).optional(),
  order: z.enum(["asc", "desc"]).default("desc"),
};

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}

/** Escapes LIKE wildcards so a search for "50%" matches literally. */
export function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`);
}

/** The input every paged, searchable, sortable list service takes. */
export interface ListInput<Sort extends string> {
  page: number;
  limit: number;
  search?: string | undefined;
  sort: Sort;
  order: "asc" | "desc";
}

/**
 * Keyset pages: the caller fetched `limit + 1` rows ordered by descending id; the extra row only
 * says whether another page exists, and the last id shown is the next cursor.
 */
export function keysetPage<T extends { id: number }>(rows: T[], limit: number) {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items, nextCursor: more ? (items.at(-1)?.id ?? null) : null };
}
