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
  /**
   * Resolves once the subscription is live; the returned function unsubscribes. `onGap` runs when
   * messages may have been missed (the bus reconnected after an outage): a cache fed by the
   * channel must then drop everything, since it cannot know what changed meanwhile.
   */
  subscribe(channel: string, handler: (message: string) => void, onGap?: () => void): Promise<() => Promise<void>>;
  rateLimiter(opts: RateLimitOptions): RateLimiterAbstract;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}
