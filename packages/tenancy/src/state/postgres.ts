import postgres from "postgres";
import { RateLimiterMemory } from "rate-limiter-flexible";
import type { RateLimitOptions, SharedState } from "./types.ts";

/**
 * Shared state for processes that share a PostgreSQL but no Redis (`npm start` runs the API, the
 * RADIUS daemon and the worker as three processes on the embedded server): events travel as
 * LISTEN/NOTIFY, which PostgreSQL delivers to every listening session (ours too, like Redis).
 * Payloads stay far below NOTIFY's 8,000-byte limit (ids and small JSON). Rate limits are per
 * process, as without Redis; only the API keeps any.
 */
export class PostgresState implements SharedState {
  readonly kind = "postgres";
  private readonly sql: postgres.Sql;

  constructor(url: string) {
    // One connection publishes; postgres.js opens one more of its own for LISTEN and re-listens
    // after a reconnect.
    this.sql = postgres(url, { max: 1, onnotice: () => {} });
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.sql`select pg_notify(${channel}, ${message})`;
  }

  async subscribe(channel: string, handler: (message: string) => void, onGap?: () => void) {
    // postgres.js listens again after a lost connection and calls onlisten each time: every call
    // after the first follows a gap in which notifications were lost.
    let first = true;
    const { unlisten } = await this.sql.listen(channel, handler, () => {
      if (first) first = false;
      else onGap?.();
    });
    return async () => {
      await unlisten();
    };
  }

  rateLimiter(opts: RateLimitOptions) {
    return new RateLimiterMemory({ keyPrefix: "", points: opts.points, duration: opts.duration });
  }

  async ping() {
    try {
      await this.sql`select 1`;
      return true;
    } catch {
      return false;
    }
  }

  async close() {
    await this.sql.end({ timeout: 5 });
  }
}
