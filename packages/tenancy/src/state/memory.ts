import { EventEmitter } from "node:events";
import { RateLimiterMemory } from "rate-limiter-flexible";
import type { RateLimitOptions, SharedState } from "./types.ts";

/**
 * A bus shared by every MemoryState made from it: several app instances in one process see each
 * other's messages, as they would over Redis.
 */
export class MemoryBus extends EventEmitter {
  constructor() {
    super();
    this.setMaxListeners(0);
  }
}

const defaultBus = new MemoryBus();

export class MemoryState implements SharedState {
  readonly kind = "memory";

  constructor(private readonly bus: MemoryBus = defaultBus) {}

  async publish(channel: string, message: string): Promise<void> {
    // Delivered asynchronously, like a network hop, so publishers never re-enter their own handlers.
    queueMicrotask(() => this.bus.emit(channel, message));
  }

  async subscribe(channel: string, handler: (message: string) => void) {
    this.bus.on(channel, handler);
    return async () => {
      this.bus.off(channel, handler);
    };
  }

  rateLimiter(opts: RateLimitOptions) {
    return new RateLimiterMemory({ keyPrefix: "", points: opts.points, duration: opts.duration });
  }

  async ping() {
    return true;
  }

  async close() {}
}
