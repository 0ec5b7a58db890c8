import { MemoryState } from "./memory.ts";
import { RedisState } from "./redis.ts";
import type { SharedState } from "./types.ts";

export * from "./memory.ts";
export * from "./redis.ts";
export * from "./types.ts";

/** A configured REDIS_URL always wins; otherwise the state stays inside this process. */
export function openSharedState(url: string | undefined): SharedState {
  return url ? new RedisState(url) : new MemoryState();
}
