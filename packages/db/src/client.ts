import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import * as publicSchema from "./public/index.ts";
import { socketOption } from "./socket.ts";

export type PublicSchema = typeof publicSchema;
export type Db = PostgresJsDatabase<PublicSchema>;
export type Tx = Parameters<Parameters<Db["transaction"]>[0]>[0];
/** Anything a service can run queries on: the pool-backed client or a caller's transaction. */
export type Executor = Db | Tx;

export interface Database {
  sql: postgres.Sql;
  db: Db;
  close(): Promise<void>;
}

/** `text[]`: among the driver's parsers once a connection of the pool has read the array types. */
const TEXT_ARRAY_OID = 1009;

/**
 * postgres.js reads every array type of the catalog on each new connection, to parse and send
 * arrays outside Drizzle's typed columns. With 1,000 tenant schemas that is ≈ 31,000 rows (mostly
 * arrays of the tables' row types): 8 fresh connections took 6.5–8.5 s instead of 0.6 s under
 * load, with ≈ 100 ms of the process's CPU each (bench/scale.ts), at every pool refill. The parsers
 * it builds live in the pool's shared options, and the driver checks `fetch_types` as each
 * connection opens, so once one connection has read them the others skip the read. Except for a
 * connection opened by `sql.reserve()`: in postgres.js 3.4.9 that never settles without the read
 * (upstream issues 751 and 1219), so connections open with the read while a reserve is pending.
 */
function readArrayTypesOnce(sql: postgres.Sql): void {
  const shared = sql.options as unknown as { parsers: Record<number, unknown> };
  let reserving = 0;
  Object.defineProperty(sql.options, "fetch_types", {
    get: () => reserving > 0 || !(TEXT_ARRAY_OID in shared.parsers),
  });
  const reserve = sql.reserve.bind(sql);
  sql.reserve = async () => {
    reserving++;
    try {
      return await reserve();
    } finally {
      reserving--;
    }
  };
}

export function connect(
  url: string,
  opts: { max?: number; statementTimeoutMs?: number; fetchTypes?: boolean } = {},
): Database {
  const options: postgres.Options<Record<string, postgres.PostgresType>> = {
    ...socketOption(url),
    max: opts.max ?? 10,
    // Tools that need no arrays outside Drizzle's typed columns skip the array-type read on every
    // connection (see readArrayTypesOnce).
    ...(opts.fetchTypes === false ? { fetch_types: false } : {}),
    onnotice: () => {},
    // Tenant queries have distinct SQL text per schema; prepared statements still pay off per
    // connection (measured: no slowdown cycling 500 schemas).
    prepare: true,
    // An unreachable server fails the request within seconds (503 database_unavailable), rather
    // than holding it for the driver's default 30 s.
    connect_timeout: 5,
    connection: {
      application_name: "proxpanel",
      ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    },
  };
  const sql = postgres(url, options);
  if (opts.fetchTypes !== false) readArrayTypesOnce(sql);
  const db = drizzle(sql, { schema: publicSchema });
  return { sql, db, close: () => sql.end({ timeout: 5 }) };
}
