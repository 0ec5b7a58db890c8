import { createHash } from "node:crypto";
import type { Config } from "@proxpanel/config";
import { MemoryState } from "./memory.ts";
import { PostgresState } from "./postgres.ts";
import { RedisState } from "./redis.ts";
import type { SharedState } from "./types.ts";

export * from "./memory.ts";
export * from "./postgres.ts";
export * from "./redis.ts";
export * from "./types.ts";

/** The installation's Redis prefix when none is configured: from the database it runs on. */
export function installationPrefix(databaseUrl: string | undefined): string {
  if (!databaseUrl) return "proxpanel:";
  let id = databaseUrl;
  try {
    const u = new URL(databaseUrl);
    id = `${u.hostname}:${u.port || "5432"}${u.pathname}`;
  } catch {
    // an unparsable URL still names one database
  }
  return `proxpanel:${createHash("sha256").update(id).digest("hex").slice(0, 12)}:`;
}

/**
 * A configured REDIS_URL always wins (keys and channels under REDIS_PREFIX, or a prefix derived
 * from the database); without it, SHARED_STATE=database (the default) carries events over the
 * database's LISTEN/NOTIFY, and "memory" keeps them inside this process.
 */
export function openSharedState(
  config: Pick<Config, "REDIS_URL" | "REDIS_PREFIX" | "SHARED_STATE">,
  databaseUrl: string | undefined,
): SharedState {
  if (config.REDIS_URL) return new RedisState(config.REDIS_URL, config.REDIS_PREFIX ?? installationPrefix(databaseUrl));
  return config.SHARED_STATE === "database" && databaseUrl ? new PostgresState(databaseUrl) : new MemoryState();
}
