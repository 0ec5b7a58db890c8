import { Redis } from "ioredis";
import { RateLimiterRedis } from "rate-limiter-flexible";
import type { RateLimitOptions, SharedState } from "./types.ts";

export class RedisState implements SharedState {
  readonly kind = "redis";
  private readonly client: Redis;
  // A connection in subscriber mode cannot run other commands, so pub/sub gets its own.
  private readonly sub: Redis;
  private readonly handlers = new Map<string, Set<(message: string) => void>>();

  /**
   * `prefix` names this installation: every channel and key goes out under it (ioredis adds it to
   * keys; channels are prefixed here, as keyPrefix does not touch pub/sub).
   */
  constructor(
    url: string,
    readonly prefix = "",
  ) {
    this.client = new Redis(url, { maxRetriesPerRequest: 2, enableOfflineQueue: true, keyPrefix: prefix });
    this.sub = new Redis(url, { maxRetriesPerRequest: null });
    this.sub.on("message", (channel: string, message: string) => {
      if (!channel.startsWith(prefix)) return;
      for (const h of this.handlers.get(channel.slice(prefix.length)) ?? []) h(message);
    });
  }

  async publish(channel: string, message: string): Promise<void> {
    await this.client.publish(`${this.prefix}${channel}`, message);
  }

  async subscribe(channel: string, handler: (message: string) => void) {
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await this.sub.subscribe(`${this.prefix}${channel}`);
    }
    set.add(handler);
    return async () => {
      set.delete(handler);
      if (set.size === 0) {
        this.handlers.delete(channel);
        await this.sub.unsubscribe(`${this.prefix}${channel}`);
      }
    };
  }

  rateLimiter(opts: RateLimitOptions) {
    return new RateLimiterRedis({
      storeClient: this.client,
      keyPrefix: "",
      points: opts.points,
      duration: opts.duration,
    });
  }

  async ping() {
    try {
      return (await this.client.ping()) === "PONG";
    } catch {
      return false;
    }
  }

  async close() {
    this.sub.disconnect();
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
