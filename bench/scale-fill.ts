// The scale fixture for bench/scale.ts: 1,000 tenants × 1,000 subscribers in their own database
// (`proxpanel_scale`, never the tests' or the other benches'), each tenant with one NAS, and
// radacct for a tenth of the subscribers. Bulk-loaded with COPY (subscribers: sealed passwords, so
// the RADIUS daemon and the API read them as their own) and generate_series (radacct).
// Idempotent: a tenant whose subscribers are loaded is skipped, so an interrupted fill resumes.
//
// Tenants: the first SCALE_ONBOARD (10) go through onboardTenant; the others are clones of one of
// them made by SQL (pg_dump of its schema before any subscriber is loaded, renamed, replayed by
// psql in batches, with its own registry row and secret). The catalog is what the scale run is
// about, and that is the same either way; onboarding a thousand tenants one by one took most of
// the 45-minute fill. SCALE_ONBOARD=1000 onboards every tenant as before.
import { execFileSync, spawn } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { seal } from "@proxpanel/auth";
import { connect, migratePublic, tenants } from "@proxpanel/db";
import { onboardTenant, SYSTEM_ACTOR, TenantKeyRing } from "@proxpanel/tenancy";
import { like, sql } from "drizzle-orm";
import pLimit from "p-limit";
import postgres from "postgres";
import { benchConfig } from "./lib.ts";

export const SCALE_DB = "proxpanel_scale";
export const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
export const TENANTS = env("SCALE_TENANTS", 1000);
export const SUBSCRIBERS = env("SCALE_SUBSCRIBERS", 1000);
/** Tenant 0 is the large one (the subscriber-edit measurement). */
export const BIG_TENANT_SUBSCRIBERS = env("SCALE_BIG", 20_000);
/** radacct: a tenth of the subscribers have sessions… */
export const ACTIVE_SHARE = 0.1;
/**
 * …this many sessions each over the month. 180 is the backup anchor's real size (a session every
 * 4 h, interims updating the row in place); the default run loads a tenth of that in all tenants
 * and the full 180 in FULL_TENANTS of them, and extrapolates (README says so).
 */
export const SESSIONS = env("SCALE_SESSIONS", 18);
export const FULL_TENANTS = env("SCALE_FULL_TENANTS", 10);
export const FULL_SESSIONS = 180;
/** Tenants created through onboardTenant; the rest are cloned from the second one by SQL. */
export const ONBOARD = env("SCALE_ONBOARD", 10);

export const slugOf = (i: number) => `s${String(i).padStart(4, "0")}`;
/** Loopback address of tenant i's NAS (127.10.0.1 …). */
export const nasAddress = (i: number) => `127.10.${Math.floor(i / 250)}.${(i % 250) + 1}`;
export const NAS_SECRET = "scale-nas-secret";

export function scaleUrl(): { admin: string; url: string } {
  const admin = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
  const url = new URL(admin);
  url.pathname = `/${SCALE_DB}`;
  return { admin, url: url.toString() };
}

export function scaleConfig(extra: Record<string, string> = {}) {
  return benchConfig(scaleUrl().url, extra);
}

async function fill() {
  const { admin, url } = scaleUrl();
  const a = postgres(admin, { max: 1, onnotice: () => {} });
  if ((await a`select 1 from pg_database where datname = ${SCALE_DB}`).length === 0)
    await a.unsafe(`create database ${SCALE_DB}`);
  await a.end();
  await migratePublic(url);
  const database = connect(url, { max: 4 });
  const { db, sql: raw } = database;
  const keys = new TenantKeyRing(db, scaleConfig().DATA_ENCRYPTION_KEY as string);

  const t0 = performance.now();
  const have = new Set(
    (await db.select({ slug: tenants.slug }).from(tenants).where(like(tenants.slug, "s%"))).map((r) => r.slug),
  );
  const limit = pLimit(2);
  let done = 0;
  const loadOnly = process.env.SCALE_LOAD_ONLY === "1";
  await Promise.all(
    Array.from({ length: loadOnly ? 0 : Math.min(TENANTS, Math.max(ONBOARD, 2)) }, (_, i) =>
      limit(async () => {
        if (have.has(slugOf(i))) return;
        await onboardTenant(
          { db },
          {
            slug: slugOf(i),
            companyName: `Scale ${i}`,
            plan: "pro",
            adminEmail: `owner@${slugOf(i)}.test`,
            adminPassword: "scale-password-1",
            subscriberCap: 1_000_000,
          },
          SYSTEM_ACTOR,
        );
        if (++done % 100 === 0)
          console.log(`  ${done} tenants onboarded (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      }),
    ),
  );
  const onboarded = performance.now() - t0;
  console.log(`onboarding: ${done} tenants in ${(onboarded / 1000).toFixed(1)} s`);
  if (!loadOnly) await cloneTenants(url, raw, have);

  const rows = await db.execute<{ id: string; slug: string; schema_name: string }>(
    sql`select id, slug, schema_name from public.tenants where slug like 's%' order by slug`,
  );
  const t1 = performance.now();
  let loaded = 0;
  await Promise.all(
    rows.map((row) =>
      limit(async () => {
        const i = Number(row.slug.slice(1));
        const schema = row.schema_name;
        const [{ n } = { n: 0 }] = await raw<
          { n: number }[]
        >`select count(*)::int as n from ${raw(schema)}.subscribers`;
        if (n > 0) return;
        const key = await keys.forTenant(row.id);
        const nasId = randomUUID();
        const address = nasAddress(i);
        await raw.begin(async (tx) => {
          await tx`insert into ${tx(schema)}.nas_devices (id, name, ip_address, secret_enc, require_message_authenticator)
            values (${nasId}, 'scale-nas', ${address}, ${seal(key, NAS_SECRET, `nas:${nasId}`)}, false)`;
          await tx`insert into public.nas_routes (nas_id, tenant_id, ip_address) values (${nasId}, ${row.id}, ${address})`;
          const count = i === 0 ? BIG_TENANT_SUBSCRIBERS : SUBSCRIBERS;
          const lines: string[] = [];
          // Created a second apart, oldest first, so list pages and the daemon's rank order are stable.
          const base = Date.now() - count * 1000;
          for (let n = 0; n < count; n++) {
            const id = randomUUID();
            const created = new Date(base + n * 1000).toISOString();
            lines.push(
              `${id}\tu${n}\t${seal(key, `p${n}`, `subscriber:${id}`)}\tactive\t${created}\t${created}\tSubscriber ${n}\n`,
            );
          }
          const stream =
            await tx`copy ${tx(schema)}.subscribers (id, username, password_enc, status, created_at, updated_at, full_name) from stdin`.writable();
          await new Promise<void>((resolve, reject) => {
            stream.on("error", reject);
            stream.on("finish", resolve);
            for (const l of lines) stream.write(l);
            stream.end();
          });
          const sessions = i < FULL_TENANTS ? FULL_SESSIONS : SESSIONS;
          const active = Math.round(count * ACTIVE_SHARE);
          // A month of sessions for the first tenth: each session 4 h apart (scaled by `sessions`),
          // closed, with interim-updated counters; the last one of each subscriber still open.
          await tx.unsafe(`
            insert into "${schema}".radacct (acct_session_id, acct_unique_id, username, subscriber_id, nas_id,
              nas_ip_address, framed_ip_address, calling_station_id, start_time, update_time, stop_time,
              session_time, input_octets, output_octets, terminate_cause)
            select md5(s.id::text || g)::text, md5(s.id::text || ':' || g)::text, s.username, s.id, '${nasId}'::uuid,
              '${address}'::inet, ('10.' || (g % 250) || '.' || (s.rn % 250) || '.1')::inet, 'AA:BB:CC:00:00:01',
              now() - interval '30 days' + (g * interval '30 days' / ${sessions}),
              now() - interval '30 days' + (g * interval '30 days' / ${sessions}) + interval '3 hours',
              case when g = ${sessions - 1} then null
                   else now() - interval '30 days' + (g * interval '30 days' / ${sessions}) + interval '3 hours 55 minutes' end,
              14100, (random() * 1e9)::bigint, (random() * 5e9)::bigint,
              case when g = ${sessions - 1} then null else 'User-Request' end
            from (select id, username, row_number() over (order by created_at) as rn from "${schema}".subscribers
                  order by created_at limit ${active}) s,
                 generate_series(0, ${sessions - 1}) g`);
        });
        if (++loaded % 50 === 0)
          console.log(`  ${loaded} tenants loaded (${((performance.now() - t1) / 1000).toFixed(0)} s)`);
      }),
    ),
  );
  console.log(`bulk load: ${loaded} tenants in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  const [sizes] = await raw<{ subs: number; acct: number; db: string }[]>`
    select (select sum(n_live_tup)::bigint from pg_stat_user_tables where relname = 'subscribers') as subs,
           (select sum(n_live_tup)::bigint from pg_stat_user_tables where relname = 'radacct') as acct,
           pg_size_pretty(pg_database_size(current_database())) as db`;
  console.log(`fixture: ${JSON.stringify(sizes)}`);
  await raw`analyze`;
  await database.close();
}

/** psql replaying one script, stopping at the first error. */
function psql(url: string, script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const proc = spawn("psql", ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url], {
      stdio: ["pipe", "ignore", "inherit"],
    });
    proc.on("error", reject);
    proc.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`psql exited ${code}`))));
    proc.stdin.end(script);
  });
}

/**
 * Tenants ONBOARD… as copies of tenant 1's schema: its DDL and seed rows (owner, permission group,
 * preferences, __migrations) but none of the rows the load below adds. Each clone is one
 * transaction with its registry row, so a stopped fill leaves whole tenants only.
 */
async function cloneTenants(url: string, raw: postgres.Sql, have: Set<string>) {
  const t0 = performance.now();
  const [template] = await raw<{ schema_name: string; schema_version: number }[]>`
    select schema_name, schema_version from public.tenants where slug = ${slugOf(1)}`;
  if (!template) throw new Error("template tenant missing");
  const from = template.schema_name;
  const dump = execFileSync(
    "pg_dump",
    [
      "--schema",
      from,
      "--no-owner",
      "--no-privileges",
      ...["subscribers", "radacct", "nas_devices"].flatMap((t) => ["--exclude-table-data", `${from}.${t}`]),
      "-d",
      url,
    ],
    { maxBuffer: 256 * 1024 * 1024 },
  ).toString();
  const todo = Array.from({ length: TENANTS }, (_, i) => i).filter((i) => i >= ONBOARD && !have.has(slugOf(i)));
  const batches: number[][] = [];
  for (let k = 0; k < todo.length; k += 25) batches.push(todo.slice(k, k + 25));
  const limit = pLimit(2);
  let made = 0;
  await Promise.all(
    batches.map((batch) =>
      limit(async () => {
        // A bench fixture: no need to wait for the WAL flush of every clone.
        const script = `set synchronous_commit = off;\n${batch
          .map((i) => {
            const schema = `tenant_${slugOf(i)}`;
            return [
              "begin;",
              `insert into public.tenants (slug, schema_name, company_name, plan, subscriber_cap, timezone, secret, schema_version)
                 values ('${slugOf(i)}', '${schema}', 'Scale ${i}', 'pro', 1000000, 'UTC', '${randomBytes(32).toString("hex")}', ${template.schema_version});`,
              dump.replaceAll(from, schema),
              `update "${schema}".users set email = 'owner@${slugOf(i)}.test';`,
              "commit;",
            ].join("\n");
          })
          .join("\n")}`;
        await psql(url, script);
        made += batch.length;
        if (made % 100 < 25)
          console.log(`  ${made} tenants cloned (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      }),
    ),
  );
  console.log(`cloning: ${made} tenants in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) await fill();
