/** The PostgreSQL error behind a failed query: Drizzle wraps the driver's error as `cause`. */
export function pgError(err: unknown): { code?: string; constraint_name?: string } | undefined {
  const e = (err as { cause?: unknown } | null)?.cause ?? err;
  return typeof e === "object" && e !== null ? (e as { code?: string; constraint_name?: string }) : undefined;
}

export const PG_UNIQUE_VIOLATION = "23505";
export const PG_QUERY_CANCELED = "57014";
export const PG_LOCK_NOT_AVAILABLE = "55P03";
