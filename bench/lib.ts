import { loadavg } from "node:os";
import { loadConfig } from "@proxpanel/config";
import { migratePublic } from "@proxpanel/db";
import { startEmbeddedPostgres } from "@proxpanel/db/embedded";
import postgres from "postgres";
import type { BenchTenant } from "./bench-tenant.ts";

/**
 * A database kept between benchmark runs (so the 1,000-tenant fixture is built once), on the
 * configured server or an embedded one.
 */
export async function benchDatabase(name: string): Promise<{ url: string; stop: () => Promise<void> }> {
  let server = process.env.DATABASE_URL;
  let stop = async () => {};
  if (!server) {
    const embedded = await startEmbeddedPostgres({ dir: ".data/bench-pg", port: 54349, database: "postgres" });
    server = embedded.url;
    stop = embedded.stop;
  }
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  const exists = await admin`select 1 from pg_database where datname = ${name}`;
  if (exists.length === 0) await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = new URL(server);
  url.pathname = `/${name}`;
  await migratePublic(url.toString());
  return { url: url.toString(), stop };
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const idx = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, idx)] ?? Number.NaN;
}

export function median(xs: number[]): number {
  return percentile(
    [...xs].sort((a, b) => a - b),
    50,
  );
}

export const fmt = (n: number, digits = 1) => n.toFixed(digits);

/** The API configuration every benchmark runs with, plus its own overrides. */
export function benchConfig(url: string, extra: Record<string, string | undefined> = {}) {
  return loadConfig({
    DATABASE_URL: url,
    BASE_DOMAIN: "bench.test",
    LOG_LEVEL: "silent",
    SEED_DEMO: "false",
    SAAS_TENANT_JWT_SECRET: "bench-tenant-secret-0123456789abcdef0123456789",
    SAAS_SUPERADMIN_JWT_SECRET: "bench-superadmin-secret-0123456789abcdef0123",
    DATA_ENCRYPTION_KEY: "bench-data-key-0123456789abcdef0123456789abcd",
    ...extra,
  });
}

/** The 1, 5 and 15-minute load averages, for the figures' context ("2.1 / 1.9 / 1.8"). */
export const loadText = (): string =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ");

/**
 * The chart benches' fixture start: `count` subscribers named u0001… and the tenant's timezone
 * (charts group by its local days).
 */
export async function seedSubscribers(raw: postgres.Sql, schema: string, count: number, timezone: string) {
  await raw.unsafe(`
    insert into "${schema}".subscribers (username, password_enc, status)
    select 'u' || lpad(g::text, 4, '0'), 'x', 'active' from generate_series(1, ${count}) g`);
  await raw.unsafe(`insert into "${schema}".system_preferences (key, value) values ('timezone', '"${timezone}"'::jsonb)
    on conflict (key) do update set value = excluded.value`);
}

/**
 * A month of one NAS's usage for the subscribers `from` selects (a subquery or table with `id` and
 * `username`, aliased s): a session every 4 h for 30 days (3 h 55 min each, the newest open) and
 * an hourly roll-up row per hour. `inTimeOrder` writes them hour by hour across subscribers, so one
 * subscriber's rows lie on as many pages as a real tenant's would.
 */
export async function seedMonthOfUsage(
  raw: postgres.Sql,
  schema: string,
  opts: { from: string; nasId: string; nasIp: string; inTimeOrder: boolean },
) {
  const { from, nasId, nasIp, inTimeOrder } = opts;
  await raw.unsafe(`
    insert into "${schema}".radacct (acct_session_id, acct_unique_id, username, subscriber_id, nas_id,
      nas_ip_address, framed_ip_address, calling_station_id, start_time, update_time, stop_time,
      session_time, input_octets, output_octets, terminate_cause)
    select md5(s.id::text || g), md5(s.id::text || ':' || g), s.username, s.id, '${nasId}'::uuid,
      '${nasIp}', '10.0.0.1', 'AA:BB:CC:00:00:01',
      now() - interval '30 days' + g * interval '4 hours',
      now() - interval '30 days' + g * interval '4 hours' + interval '3 hours',
      case when g = 179 then null else now() - interval '30 days' + g * interval '4 hours' + interval '3 hours 55 minutes' end,
      14100, (random() * 1e9)::bigint, (random() * 5e9)::bigint, case when g = 179 then null else 'User-Request' end
    from ${from} s, generate_series(0, 179) g ${inTimeOrder ? "order by g, s.username" : ""}`);
  await raw.unsafe(`
    insert into "${schema}".traffic_1h (bucket, subscriber_id, nas_id, bytes_in, bytes_out)
    select date_trunc('hour', now() - interval '30 days') + h * interval '1 hour', s.id, '${nasId}'::uuid,
      (random() * 2.5e8)::bigint, (random() * 1.25e9)::bigint
    from ${from} s, generate_series(0, 720) h ${inTimeOrder ? "order by h, s.username" : ""}`);
}

/** Drops the bench's database, or with `keep` leaves it (to EXPLAIN by hand) and says its name. */
export async function endBench(bench: BenchTenant, keep: boolean | undefined): Promise<void> {
  if (!keep) return bench.drop();
  console.log(`kept database ${bench.dbName}, schema ${bench.schema}`);
  await bench.close();
  await bench.admin.end();
}
