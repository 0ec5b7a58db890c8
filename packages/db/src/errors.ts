/** The PostgreSQL error behind a failed query: Drizzle wraps the driver's error as `cause`. */
export function pgError(err: unknown): { code?: string; constraint_name?: string } | undefined {
  const e = (err as { cause?: unknown } | null)?.cause ?? err;
  return typeof e === "object" && e !== null ? (e as { code?: string; constraint_name?: string }) : undefined;
}

export const PG_UNIQUE_VIOLATION = "23505";
export const PG_QUERY_CANCELED = "57014";
export const PG_LOCK_NOT_AVAILABLE = "55P03";

// The server is gone, restarting or refusing connections: the request can be retried shortly.
// Driver codes (postgres.js) and SQLSTATE classes 08 (connection exception) and 57P (operator
// intervention: shutdown, crash, cannot connect now).
const UNAVAILABLE_DRIVER_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENOTFOUND",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
]);

/** Whether a failed query failed because the database could not be reached, not because of the query. */
export function databaseUnavailable(err: unknown): boolean {
  const code = pgError(err)?.code;
  if (!code) return false;
  return UNAVAILABLE_DRIVER_CODES.has(code) || code.startsWith("08") || code.startsWith("57P");
}
