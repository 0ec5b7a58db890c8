import type { RateLimiterAbstract } from "rate-limiter-flexible";

export interface RateLimitOptions {
  /** Requests (or failures) allowed per window. */
  points: number;
  /** Window length in seconds. */
  duration: number;
}

/**
 * What the API instances share with each other: a message bus for cache invalidation and the
 * counters behind rate limits. Redis in a cluster; an in-process implementation for a single
 * `npm start` with no Redis configured.
 */
export interface SharedState {
  readonly kind: "redis" | "memory" | "postgres";
  publish(channel: string, message: string): Promise<void>;
  /** Resolves once the subscription is live; the returned function unsubscribes. */
  subscribe(channel: string, handler: (message: string) => void): Promise<() => Promise<void>>;
  rateLimiter(opts: RateLimitOptions): RateLimiterAbstract;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
