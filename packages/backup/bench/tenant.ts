/**
 * Backup anchor benchmark (../shared/notes/benchmarking.md "Backup anchor") on a real, migrated
 * tenant schema: 1,000 subscribers, ~180,000 radacct rows (each with its subscriber and NAS, keyed as
 * the daemon keys them) and 6,000 invoices (times BENCH_SCALE). In its own database. Each round runs, alternating, our backup vs `pg_dump -Fc -n`,
 * then our restore vs `pg_restore --single-transaction` into an empty database; every measured
 * command runs in its own process so peak RSS is its own (VmHWM / `time -f %M`). Medians of
 * BENCH_RUNS rounds (default 3) and the same-run ratios are printed.
 *
 *   npx tsx packages/backup/bench/tenant.ts            (DATABASE_URL = server, default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_SCALE=10 BENCH_RESTORE=0 npx tsx packages/backup/bench/tenant.ts   (10× tenant, backup RSS only)
 *   BENCH_KEEP=1 ...   keeps the database and the archive (printed) for run-one.ts profiling
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { connect, migrateTenantSchema } from "@proxpanel/db";
import postgres from "postgres";

const server = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const scale = Number(process.env.BENCH_SCALE ?? 1);
const runs = Number(process.env.BENCH_RUNS ?? 3);
const withRestore = process.env.BENCH_RESTORE !== "0";
const dbName = "proxpanel_bench_backup";
const schema = "tenant_bench_anchor";
const withDb = (name: string) => {
  const u = new URL(server);
  u.pathname = `/${name}`;
  return u.toString();
};
const url = withDb(dbName);
const here = path.dirname(fileURLToPath(import.meta.url));
const dir = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-bench-"));

async function fixture(): Promise<void> {
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.unsafe(`create database ${dbName}`);
  await admin.end();
  const database = connect(url, { max: 1 });
  const t0 = performance.now();
  await database.db.transaction((tx) => migrateTenantSchema(tx, schema, { create: true }));
  const s = `"${schema}"`;
  const subs = 1000 * scale;
  const acct = 180_000 * scale;
  const inv = 6000 * scale;
  await database.sql.unsafe(`
    insert into ${s}.subscribers (username, password_enc, status, expires_at, static_ip, mac_address, full_name, email, phone, address, balance_cents, bytes_in, bytes_out, last_seen_at)
      select 'user' || i, 'v1.' || encode(sha256(i::text::bytea), 'base64') || '.' || md5(i::text),
        (array['active','active','active','disabled'])[1 + i % 4], now() + (i % 60) * interval '1 day',
        case when i % 10 = 0 then ('10.' || (i / 65536) % 256 || '.' || (i / 256) % 256 || '.' || i % 256)::inet end,
        upper(substr(md5('m' || i), 1, 12)), 'Subscriber ' || i, 'user' || i || '@isp.test',
        '+961 70 ' || lpad(i::text, 6, '0'), i || ' Main Street, Beirut', (i % 97) * 125,
        (i::bigint * 7919) % 50000000000, (i::bigint * 104729) % 200000000000, now() - (i % 30) * interval '1 hour'
      from generate_series(1, ${subs}) i;
    insert into ${s}.nas_devices (name, ip_address, secret_enc)
      select 'nas' || i, ('192.168.0.' || i)::inet, 'v1.bench' from generate_series(1, 4) i;
    -- Every session belongs to a subscriber and a NAS and is keyed the way the RADIUS daemon keys it
    -- (nas id / username / Acct-Session-Id); the newest ${0.6 * subs} are still open.
    insert into ${s}.radacct (acct_session_id, acct_unique_id, username, subscriber_id, nas_id, nas_ip_address, nas_port_id,
        framed_ip_address, calling_station_id, start_time, update_time, stop_time, session_time, input_octets, output_octets,
        terminate_cause)
      select lpad(to_hex(i), 8, '0'), n.id || '/' || sub.username || '/' || lpad(to_hex(i), 8, '0'), sub.username, sub.id, n.id,
        n.ip_address, 'eth0.' || (i % 4000), ('10.' || (i % 1000 / 256) || '.' || (i % 256) || '.1')::inet,
        upper(substr(md5('m' || (i % ${subs})), 1, 12)), ts, ts + interval '5 minutes',
        case when i <= ${acct - 0.6 * subs} then ts + (i % 7200) * interval '1 second' end,
        i % 7200, (i::bigint * 7919) % 5000000000, (i::bigint * 104729) % 20000000000,
        case when i <= ${acct - 0.6 * subs} then (array['User-Request','Lost-Carrier','Idle-Timeout','Session-Timeout'])[1 + i % 4] end
      from (select i, now() - interval '180 days' + i * (interval '86 seconds' / ${scale}) as ts from generate_series(1, ${acct}) i) g
      join ${s}.subscribers sub on sub.username = 'user' || (1 + i % ${subs})
      join ${s}.nas_devices n on n.name = 'nas' || (1 + i % 4)
      order by i;
    -- Numbered 1..N without gaps, with the counter where the billing code would have left it.
    insert into ${s}.invoices (number, subscriber_id, amount_cents, status, description, period_start, period_end, due_at, paid_at)
      select i, null, 2500 + (i % 5) * 1000, (array['paid','paid','unpaid','void'])[1 + i % 4], 'Monthly service ' || i,
        d, d + interval '30 days', d + interval '7 days', case when i % 4 < 2 then d + interval '3 days' end
      from (select i, now() - (i / ${subs}) * interval '30 days' as d from generate_series(1, ${inv}) i) g;
    insert into ${s}.document_counters (kind, last_number) values ('invoice', ${inv});
    analyze;`);
  const [idx] = await database.sql.unsafe<{ n: number }[]>(
    `select count(*)::int as n from pg_indexes where schemaname = '${schema}' and tablename = 'radacct'`,
  );
  console.log(
    `fixture (scale ${scale}): ${subs} subscribers, ${acct} radacct (${idx?.n} indexes), ${inv} invoices in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  await database.close();
}

interface Run {
  seconds: number;
  bytes: number;
  peakRssKb: number;
}

function ours(op: "backup" | "restore" | "restore-verify", file: string): Run {
  const out = execFileSync("npx", ["tsx", path.join(here, "run-one.ts"), op, url, schema, file], { encoding: "utf8" });
  return JSON.parse(out.trim().split("\n").at(-1) as string) as Run;
}

/** Wall time and peak RSS (KiB, GNU time) of one command; its stdout is discarded. */
function runMeasured(cmd: string, args: string[]): { seconds: number; peakRssKb: number } {
  const t0 = performance.now();
  const res = execFileSync("sh", ["-c", `/usr/bin/time -f RSS=%M "$@" 2>&1 >/dev/null | tail -1`, "sh", cmd, ...args], {
    encoding: "utf8",
  });
  const seconds = (performance.now() - t0) / 1000;
  const m = /RSS=(\d+)/.exec(res);
  if (!m) throw new Error(`${cmd} failed: ${res}`);
  return { seconds, peakRssKb: Number(m[1]) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const size = async (f: string) => (await fs.stat(f)).size;

try {
  await fixture();
  const rows: Record<string, Run[]> = {
    ours: [],
    pgDump: [],
    oursRestore: [],
    pgRestore: [],
    oursRestoreVerify: [],
  };
  for (let i = 0; i < runs; i++) {
    const dumpFile = path.join(dir, "t.dump");
    const d = runMeasured("pg_dump", ["-Fc", "-n", schema, "-f", dumpFile, url]);
    rows.pgDump?.push({ ...d, bytes: await size(dumpFile) });
    const bak = path.join(dir, "t.proisp.bak");
    rows.ours?.push(ours("backup", bak));
    if (withRestore) {
      const scratch = `${dbName}_restore`;
      const steps: (() => void)[] = [
        () => {
          execFileSync("psql", [server, "-qc", `drop database if exists ${scratch} with (force)`]);
          execFileSync("psql", [server, "-qc", `create database ${scratch}`]);
          const r = runMeasured("pg_restore", ["--single-transaction", "-d", withDb(scratch), dumpFile]);
          rows.pgRestore?.push({ ...r, bytes: 0 });
          execFileSync("psql", [server, "-qc", `drop database if exists ${scratch} with (force)`]);
        },
        () => rows.oursRestore?.push(ours("restore", bak)),
        () => rows.oursRestoreVerify?.push(ours("restore-verify", bak)),
      ];
      // Rotated each round: whichever runs right after another bulk load pays for its dirty pages.
      for (let k = 0; k < steps.length; k++) steps[(i + k) % steps.length]?.();
    }
    console.log(
      `round ${i + 1}: ${JSON.stringify(Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, v.at(-1)])))}`,
    );
  }
  const m = (k: string, f: keyof Run) => median((rows[k] ?? []).map((r) => r[f]));
  console.log(
    `\nmedians of ${runs}, scale ${scale}, node ${process.version}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    `pg_dump -Fc -n        ${m("pgDump", "seconds").toFixed(2)} s  ${(m("pgDump", "bytes") / 1e6).toFixed(1)} MB  peak RSS ${(m("pgDump", "peakRssKb") / 1024).toFixed(0)} MiB`,
  );
  console.log(
    `ours backup           ${m("ours", "seconds").toFixed(2)} s  ${(m("ours", "bytes") / 1e6).toFixed(1)} MB  peak RSS ${(m("ours", "peakRssKb") / 1024).toFixed(0)} MiB   ratio time ${(m("ours", "seconds") / m("pgDump", "seconds")).toFixed(2)}x size ${(m("ours", "bytes") / m("pgDump", "bytes")).toFixed(2)}x`,
  );
  if (withRestore) {
    console.log(
      `pg_restore -1         ${m("pgRestore", "seconds").toFixed(2)} s  peak RSS ${(m("pgRestore", "peakRssKb") / 1024).toFixed(0)} MiB`,
    );
    const line = (label: string, k: string) =>
      console.log(
        `${label.padEnd(22)}${m(k, "seconds").toFixed(2)} s  peak RSS ${(m(k, "peakRssKb") / 1024).toFixed(0)} MiB   ratio ${(m(k, "seconds") / m("pgRestore", "seconds")).toFixed(2)}x, ${(m(k, "seconds") / scale).toFixed(2)} s per 1,000 subscribers`,
      );
    line("ours restore (API)", "oursRestore");
    line("ours verify-first", "oursRestoreVerify");
  }
} finally {
  // BENCH_KEEP=1 keeps the database and the last archive for profiling one step at a time.
  if (process.env.BENCH_KEEP === "1") console.log(`kept: ${url} ${schema} ${path.join(dir, "t.proisp.bak")}`);
  else await dropAll();
}

async function dropAll(): Promise<void> {
  const admin = postgres(server, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists ${dbName} with (force)`);
  await admin.end();
  await fs.rm(dir, { recursive: true, force: true });
}
