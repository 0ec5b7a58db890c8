/**
 * A throw-away PostgreSQL database with FreeRADIUS's own schema (Debian's
 * mods-config/sql/main/postgresql/schema.sql) and the bench users in radcheck / radreply, for
 * FreeRADIUS rlm_sql side by side with our daemon.
 */
import { readFileSync } from "node:fs";
import postgres from "postgres";

const SCHEMA = "/etc/freeradius/3.0/mods-config/sql/main/postgresql/schema.sql";

export interface SqlUsersDb {
  conn: { host: string; port: number; user: string; password: string; database: string };
  count(table: string): Promise<number>;
  /** radacct rows whose Acct-Session-Id starts with the prefix. */
  countSessions(prefix: string): Promise<number>;
  drop(): Promise<void>;
}

export async function createFreeradiusDb(
  serverUrl: string,
  users: { name: string; password: string; rateLimit: string; framedIp: string }[],
): Promise<SqlUsersDb> {
  const database = `fr_bench_${Date.now().toString(36)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${database}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  const sql = postgres(url.toString(), { max: 1, onnotice: () => {} });
  await sql.unsafe(readFileSync(SCHEMA, "utf8"));
  for (let i = 0; i < users.length; i += 500) {
    const chunk = users.slice(i, i + 500);
    await sql`insert into radcheck ${sql(
      chunk.map((u) => ({ username: u.name, attribute: "Cleartext-Password", op: ":=", value: u.password })),
    )}`;
    await sql`insert into radreply ${sql(
      chunk.flatMap((u) => [
        { username: u.name, attribute: "Mikrotik-Rate-Limit", op: "=", value: u.rateLimit },
        { username: u.name, attribute: "Framed-IP-Address", op: "=", value: u.framedIp },
      ]),
    )}`;
  }
  return {
    conn: {
      host: url.hostname,
      port: Number(url.port || 5432),
      user: decodeURIComponent(url.username || "postgres"),
      password: decodeURIComponent(url.password),
      database,
    },
    count: async (table) => Number((await sql.unsafe(`select count(*)::int as n from ${table}`))[0]?.n ?? 0),
    countSessions: async (prefix) =>
      Number((await sql`select count(*)::int as n from radacct where acctsessionid like ${`${prefix}%`}`)[0]?.n ?? 0),
    drop: async () => {
      await sql.end({ timeout: 5 });
      await admin.unsafe(`drop database if exists "${database}" with (force)`);
      await admin.end();
    },
  };
}
