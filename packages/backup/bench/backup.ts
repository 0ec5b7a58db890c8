/**
 * Backup benchmark on the anchor fixture of ../shared/notes/benchmarking.md: one tenant schema with
 * 1,000 subscribers, 180,000 radacct rows (5 indexes) and 6,000 invoices. Those tables do not exist
 * in the tenant migrations yet, so plain tables of similar width are created in a scratch schema
 * (migrated first, so it is a real tenant schema with `__migrations`). Each variant runs 3 times,
 * alternating with `pg_dump -Fc -n`; medians are printed with their ratio to pg_dump's.
 *
 *   npx tsx packages/backup/bench/backup.ts        (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres)
 */
import { execFileSync } from "node:child_process";
import { createWriteStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { connect, migrateTenantSchema } from "@proxpanel/db";
import { type Compression, writeBackup } from "../src/index.ts";

const url = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const schema = "tenant_bench_backup";
const runs = Number(process.env.BENCH_RUNS ?? 3);
const keys = { licenseKey: "bench-license", tenantId: "bench", tenantSecret: "bench-secret" };
const database = connect(url, { max: 2 });
const dir = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-bench-"));

async function fixture(): Promise<void> {
  const t0 = performance.now();
  await database.sql.unsafe(`drop schema if exists "${schema}" cascade`);
  await database.db.transaction((tx) => migrateTenantSchema(tx, schema, { create: true }));
  const s = `"${schema}"`;
  // The tenant migrations now have their own subscribers/radacct/invoices; this script keeps its
  // pg_dump-era shapes for the compression comparison (tenant.ts uses the real tables).
  await database.sql.unsafe(`drop table ${s}.radacct, ${s}.invoices, ${s}.subscribers cascade`);
  await database.sql.unsafe(`
    create table ${s}.subscribers (
      id bigserial primary key, username text not null unique, password text not null, full_name text,
      email text, phone text, address text, plan text not null, status text not null,
      ip_address inet, mac_address text, balance numeric(12,2) not null default 0,
      expires_at timestamptz, created_at timestamptz not null default now(), updated_at timestamptz not null default now());
    insert into ${s}.subscribers (username, password, full_name, email, phone, address, plan, status, ip_address, mac_address, balance, expires_at)
      select 'user' || i, md5(i::text), 'Subscriber ' || i, 'user' || i || '@isp.test', '+961 70 ' || lpad(i::text, 6, '0'),
        i || ' Main Street, Beirut', (array['basic','plus','pro'])[1 + i % 3], (array['active','active','active','suspended'])[1 + i % 4],
        ('10.' || (i / 65536) % 256 || '.' || (i / 256) % 256 || '.' || i % 256)::inet,
        upper(substr(md5('m' || i), 1, 12)), (i % 97) * 1.25, now() + (i % 60) * interval '1 day'
      from generate_series(1, 1000) i;

    create table ${s}.radacct (
      radacctid bigserial primary key, acctsessionid text not null, acctuniqueid text not null unique,
      username text not null, nasipaddress inet not null, nasportid text, nasporttype text,
      acctstarttime timestamptz, acctupdatetime timestamptz, acctstoptime timestamptz,
      acctinterval integer, acctsessiontime bigint, acctauthentic text, connectinfo_start text,
      acctinputoctets bigint, acctoutputoctets bigint, calledstationid text, callingstationid text,
      acctterminatecause text, servicetype text, framedprotocol text, framedipaddress inet);
    insert into ${s}.radacct (acctsessionid, acctuniqueid, username, nasipaddress, nasportid, nasporttype,
        acctstarttime, acctupdatetime, acctstoptime, acctinterval, acctsessiontime, acctauthentic, connectinfo_start,
        acctinputoctets, acctoutputoctets, calledstationid, callingstationid, acctterminatecause, servicetype,
        framedprotocol, framedipaddress)
      select lpad(to_hex(i), 8, '0'), md5('u' || i), 'user' || (1 + i % 1000), ('192.168.0.' || (1 + i % 4))::inet,
        'eth0.' || (i % 4000), 'Ethernet', ts, ts + interval '5 minutes', ts + (i % 7200) * interval '1 second', 300,
        i % 7200, 'RADIUS', '1000BASE-T', (i::bigint * 7919) % 5000000000, (i::bigint * 104729) % 20000000000,
        'bras-01', upper(substr(md5('m' || (i % 1000)), 1, 12)),
        (array['User-Request','Lost-Carrier','Idle-Timeout','Session-Timeout'])[1 + i % 4], 'Framed-User', 'PPP',
        ('10.' || (i % 1000 / 256) || '.' || (i % 256) || '.1')::inet
      from (select i, now() - interval '180 days' + i * interval '86 seconds' as ts from generate_series(1, 180000) i) g;
    create index on ${s}.radacct (username);
    create index on ${s}.radacct (acctstarttime);
    create index on ${s}.radacct (acctstoptime);
    create index on ${s}.radacct (nasipaddress);

    create table ${s}.invoices (
      id bigserial primary key, subscriber_id bigint not null references ${s}.subscribers (id), number text not null unique,
      period_start date not null, period_end date not null, amount numeric(12,2) not null, tax numeric(12,2) not null,
      status text not null, issued_at timestamptz not null, paid_at timestamptz, notes text);
    insert into ${s}.invoices (subscriber_id, number, period_start, period_end, amount, tax, status, issued_at, paid_at, notes)
      select 1 + i % 1000, 'INV-' || lpad(i::text, 7, '0'), d, d + 29, 25 + (i % 5) * 10, (25 + (i % 5) * 10) * 0.11,
        (array['paid','paid','open','void'])[1 + i % 4], d + interval '1 hour', case when i % 4 < 2 then d + interval '3 days' end,
        case when i % 10 = 0 then 'manual adjustment' end
      from (select i, current_date - (i / 1000) * 30 as d from generate_series(1, 6000) i) g;
    analyze;`);
  console.log(
    `fixture: 1,000 subscribers, 180,000 radacct, 6,000 invoices in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

async function ours(compression: Compression, level: number): Promise<{ s: number; bytes: number }> {
  const file = path.join(dir, "t.proisp.bak");
  const t0 = performance.now();
  const { bytes } = await writeBackup(
    { sql: database.sql, schemaName: schema, keys, compression, level },
    createWriteStream(file),
  );
  return { s: (performance.now() - t0) / 1000, bytes };
}

function pgDump(): { s: number; bytes: number } {
  const file = path.join(dir, "t.dump");
  const t0 = performance.now();
  execFileSync("pg_dump", ["-Fc", "-n", schema, "-f", file, url]);
  const s = (performance.now() - t0) / 1000;
  return { s, bytes: Number(execFileSync("stat", ["-c", "%s", file]).toString().trim()) };
}

try {
  await fixture();
  const variants: { name: string; compression: Compression; level: number }[] = [
    { name: "brotli q2 (default)", compression: "brotli", level: 2 },
    { name: "gzip -1", compression: "gzip", level: 1 },
    { name: "gzip -6", compression: "gzip", level: 6 },
  ];
  const dumps: { s: number; bytes: number }[] = [];
  const results = new Map<string, { s: number; bytes: number }[]>(variants.map((v) => [v.name, []]));
  for (let i = 0; i < runs; i++) {
    dumps.push(pgDump());
    for (const v of variants) results.get(v.name)?.push(await ours(v.compression, v.level));
  }
  const dumpS = median(dumps.map((d) => d.s));
  const dumpB = median(dumps.map((d) => d.bytes));
  const mb = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
  console.log(`median of ${runs} runs, node ${process.version}, ${os.cpus().length} cores`);
  console.log(`${"variant".padEnd(26)} ${"time".padStart(8)} ${"size".padStart(9)}  vs pg_dump (time, size)`);
  console.log(`${"pg_dump -Fc -n".padEnd(26)} ${`${dumpS.toFixed(2)} s`.padStart(8)} ${mb(dumpB).padStart(9)}`);
  for (const v of variants) {
    const r = results.get(v.name) ?? [];
    const s = median(r.map((x) => x.s));
    const b = median(r.map((x) => x.bytes));
    const name = `.proisp.bak ${v.name}`;
    console.log(
      `${name.padEnd(26)} ${`${s.toFixed(2)} s`.padStart(8)} ${mb(b).padStart(9)}  ${(s / dumpS).toFixed(2)}x, ${(b / dumpB).toFixed(2)}x`,
    );
  }
} finally {
  await database.sql.unsafe(`drop schema if exists "${schema}" cascade`);
  await database.close();
  await fs.rm(dir, { recursive: true, force: true });
}
