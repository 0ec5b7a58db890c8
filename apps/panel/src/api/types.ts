import type { paths } from "./schema";

/**
 * Response shapes, derived from the API's own OpenAPI document (schema.d.ts): a page names the
 * route it reads instead of restating its fields, and a changed route fails the panel's typecheck.
 */

type Method = "get" | "post" | "put" | "patch" | "delete";
type JsonOf<R> = R extends { content: { "application/json": infer T } } ? T : never;

/** The JSON body a route answers with on success (200, 201 or 202). */
export type ApiData<P extends keyof paths, M extends Method & keyof paths[P]> = paths[P][M] extends {
  responses: infer R;
}
  ? JsonOf<R[200 & keyof R]> | JsonOf<R[201 & keyof R]> | JsonOf<R[202 & keyof R]>
  : never;

/** One item of a list route's `items`. */
export type ApiItem<P extends keyof paths, M extends Method & keyof paths[P] = "get" & keyof paths[P]> =
  ApiData<P, M> extends { items: (infer T)[] } ? T : never;

/** One page of a list endpoint. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
}

/** A row of a backup list (the tenant's own list and the console's per-tenant list). */
export type Backup = ApiItem<"/api/backups">;
