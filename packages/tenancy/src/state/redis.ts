import { Redis } from "ioredis";
import { RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import type { RateLimitOptions, SharedState } from "./types.ts";

export class RedisState implements SharedState {
  readonly kind = "redis";
  private readonly client: Redis;
  // A connection in subscriber mode cannot run other commands, so pub/sub gets its own.
  private readonly sub: Redis;
  private readonly handlers = new Map<string, Set<(message: string) => void>>();
  private readonly gapHandlers = new Set<() => void>();
  /** Up or down as last seen; one warning per change instead of an error per command. */
  private up = true;
  /** The first connection: a publish made before it (a CLI's only message) waits for it briefly. */
  private readonly firstReady: Promise<void>;

  /**
   * `prefix` names this installation: every channel and key goes out under it (ioredis adds it to
   * keys; channels are prefixed here, as keyPrefix does not touch pub/sub).
   */
  constructor(
    url: string,
    readonly prefix = "",
  ) {
    // Redis is an accelerator, not a dependency of every request: while it is down, commands
    // fail at once (no offline queue) and the callers fall back (per-instance rate limits,
    // local-only invalidation); a reconnect tells every subscriber to drop its cache.
    this.client = new Redis(url, { maxRetriesPerRequest: 1, enableOfflineQueue: false, keyPrefix: prefix });
    // No ready check on the subscriber: its INFO, sent after a SUBSCRIBE queued while connecting,
    // is refused ("only subscriber commands") and the connection is dropped and redone, losing
    // what was published in between (seen under load). Pub/sub needs no loaded dataset anyway.
    this.sub = new Redis(url, { maxRetriesPerRequest: null, enableReadyCheck: false });
    this.firstReady = new Promise((resolve) => this.client.once("ready", () => resolve()));
    this.sub.on("message", (channel: string, message: string) => {
      if (!channel.startsWith(prefix)) return;
      for (const h of this.handlers.get(channel.slice(prefix.length)) ?? []) h(message);
    });
    for (const conn of [this.client, this.sub]) {
      conn.on("error", (err: Error) => this.down(err));
      conn.on("end", () => this.down(new Error("connection closed")));
    }
    this.sub.on("ready", () => {
      if (this.up) return;
      this.up = true;
      console.warn(`[proxpanel] Redis is back (${url.replace(/\/\/[^@]*@/, "//")}); caches fed by it are dropped once`);
      for (const h of this.gapHandlers) h();
    });
  }

  private closing = false;

  private down(err: Error): void {
    if (!this.up || this.closing) return;
    this.up = false;
    console.warn(
      `[proxpanel] Redis unreachable (${err.message}): rate limits are per instance and events stay local until it returns`,
    );
  }

  /** For health checks: whether the last connection event said Redis was up. */
  get connected(): boolean {
    return this.up && this.client.status === "ready";
  }

  /** Never throws: a message lost while Redis is down is made up for by the gap flush on reconnect. */
  async publish(channel: string, message: string): Promise<void> {
    if (this.client.status !== "ready") {
      await Promise.race([this.firstReady, new Promise((r) => setTimeout(r, 2_000).unref())]);
    }
    await this.client.publish(`${this.prefix}${channel}`, message).catch((err: Error) => this.down(err));
  }

  async subscribe(channel: string, handler: (message: string) => void, onGap?: () => void) {
    if (onGap) this.gapHandlers.add(onGap);
    let set = this.handlers.get(channel);
    if (!set) {
      set = new Set();
      this.handlers.set(channel, set);
      await this.sub.subscribe(`${this.prefix}${channel}`);
    }
    set.add(handler);
    return async () => {
      if (onGap) this.gapHandlers.delete(onGap);
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
      // While Redis is unreachable each instance counts on its own, with the same budget.
      insuranceLimiter: new RateLimiterMemory({ keyPrefix: "", points: opts.points, duration: opts.duration }),
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
    this.closing = true;
    this.sub.disconnect();
    await this.client.quit().catch(() => this.client.disconnect());
  }
}
