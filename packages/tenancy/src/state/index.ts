import { MemoryState } from "./memory.ts";
import { PostgresState } from "./postgres.ts";
import { RedisState } from "./redis.ts";
import type { SharedState } from "./types.ts";

export * from "./memory.ts";
export * from "./postgres.ts";
export * from "./redis.ts";
export * from "./types.ts";

/**
 * A configured REDIS_URL always wins; without it, `databaseUrl` (given when SHARED_STATE=database,
 * as `npm start` sets for its processes) carries events over PostgreSQL; otherwise the state stays
 * inside this process.
 */
export function openSharedState(url: string | undefined, databaseUrl?: string): SharedState {
  if (url) return new RedisState(url);
  return databaseUrl ? new PostgresState(databaseUrl) : new MemoryState();
}
