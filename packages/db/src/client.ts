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

export function connect(
  url: string,
  opts: { max?: number; statementTimeoutMs?: number; fetchTypes?: boolean } = {},
): Database {
  const options: postgres.Options<Record<string, postgres.PostgresType>> = {
    ...socketOption(url),
    max: opts.max ?? 10,
    // postgres.js reads every array type of the catalog on each new connection (to parse arrays
    // outside Drizzle's typed columns): with 1,000 tenant schemas ≈ 31,000 rows, and 8 fresh
    // connections took 6.5–8.5 s instead of 0.6 s under load (bench/scale.ts). Tools that need no
    // such arrays and never call sql.reserve() turn it off: postgres.js 3.4.9's reserve() on a new
    // connection without the read never settles (upstream issues 751 and 1219).
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
  const db = drizzle(sql, { schema: publicSchema });
  return { sql, db, close: () => sql.end({ timeout: 5 }) };
}
