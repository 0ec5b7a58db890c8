/**
 * Standalone ↔ SaaS conversion: a standalone install (its own database) holding one tenant with
 * 1,000 subscribers (sealed PPPoE passwords), a NAS and six months of accounting (180,000 radacct
 * rows in the real tenant tables, with their indexes) is converted into a tenant of a SaaS cluster
 * (a second database) and back, three times each; medians of each direction are printed next to
 * the anchor measured in the same run: `pg_dump -Fc -n <schema>` + `pg_restore --single-transaction`
 * of the same schema into an empty database (what the reference's manual procedure does, without
 * re-sealing secrets or re-registering the tenant). Every conversion checks its row counts.
 *
 *   npm run bench:convert        (DATABASE_URL: the server on which the scratch databases are made)
 */
import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { seal, tenantDataKey } from "@proxpanel/auth";
import { exportArchive, exportSqlForStandalone, importArchive } from "@proxpanel/backup/transfer/index";
import { connect, type Database, migratePublic } from "@proxpanel/db";
import { onboardTenant, SYSTEM_ACTOR } from "@proxpanel/tenancy";
import postgres from "postgres";
import { median } from "./lib.ts";

const server = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const runs = Number(process.env.BENCH_RUNS ?? 3);
const SUBSCRIBERS = 1_000;
const RADACCT = 180_000;
const standaloneKeys = { licenseKey: "bench-standalone-license", dataKey: "bench-standalone-data-key" };
const clusterKeys = { licenseKey: "bench-cluster-license", dataKey: "bench-cluster-data-key" };
const stamp = `${Date.now()}_${process.pid}`;
const admin = postgres(server, { max: 1, onnotice: () => {} });
const created: string[] = [];
const work = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-convert-"));

async function newDatabase(label: string): Promise<string> {
  const name = `proxpanel_convert_${label}_${stamp}`;
  await admin.unsafe(`create database "${name}"`);
  created.push(name);
  const url = new URL(server);
  url.pathname = `/${name}`;
  await migratePublic(url.toString());
  return url.toString();
}

const seconds = (t0: number) => (performance.now() - t0) / 1000;

async function fixture(db: Database): Promise<{ slug: string; schema: string }> {
  const tenant = await onboardTenant(
    { db: db.db },
    {
      slug: "isp",
      companyName: "Bench ISP",
      plan: "starter",
      adminEmail: "admin@isp.test",
      adminPassword: "bench-password-1",
    },
    SYSTEM_ACTOR,
  );
  const s = `"${tenant.schemaName}"`;
  const key = tenantDataKey(standaloneKeys.dataKey, tenant.id, tenant.secret);
  const [plan] = await db.sql.unsafe<{ id: string }[]>(
    `insert into ${s}.service_plans (name, download_kbps, upload_kbps) values ('Home 20M', 20000, 5000) returning id`,
  );
  const ids = await db.sql.unsafe<{ id: string }[]>(
    `select gen_random_uuid()::text as id from generate_series(1, ${SUBSCRIBERS})`,
  );
  const rows = ids.map(({ id }, i) => ({
    id,
    username: `user${i + 1}`,
    password_enc: seal(key, `pppoe-${i + 1}`, `subscriber:${id}`),
    plan_id: plan?.id ?? null,
    full_name: `Subscriber ${i + 1}`,
    email: `user${i + 1}@isp.test`,
    phone: `+961 70 ${String(i + 1).padStart(6, "0")}`,
    address: `${i + 1} Main Street, Beirut`,
    mac_address: `02:00:00:${((i >> 8) & 255).toString(16).padStart(2, "0")}:${(i & 255).toString(16).padStart(2, "0")}:01`,
  }));
  await db.sql`insert into ${db.sql(tenant.schemaName)}.subscribers ${db.sql(rows)}`;
  const nasId = (await db.sql.unsafe<{ id: string }[]>("select gen_random_uuid()::text as id"))[0]?.id ?? "";
  await db.sql.unsafe(
    `insert into ${s}.nas_devices (id, name, ip_address, secret_enc) values ($1, 'bras-01', '192.0.2.1', $2)`,
    [nasId, seal(key, "nas-shared-secret", `nas:${nasId}`)],
  );
  await db.sql.unsafe(`insert into public.nas_routes (nas_id, tenant_id, ip_address) values ($1, $2, '192.0.2.1')`, [
    nasId,
    tenant.id,
  ]);
  // Six months of sessions: 180 per subscriber, spread over the last 182 days.
  await db.sql.unsafe(`
    insert into ${s}.radacct (acct_session_id, acct_unique_id, username, subscriber_id, nas_id, nas_ip_address,
        nas_port_id, framed_ip_address, calling_station_id, start_time, update_time, stop_time, session_time,
        input_octets, output_octets, terminate_cause)
      select lpad(to_hex(i), 8, '0'), md5('u' || i), sub.username, sub.id, '${nasId}'::uuid, '192.0.2.1'::inet,
        'eth0.' || (i % 4000), ('10.' || (i % 1000 / 256) || '.' || (i % 256) || '.1')::inet, sub.mac_address,
        now() - (i % 182) * interval '1 day' - (i % 86400) * interval '1 second',
        now() - (i % 182) * interval '1 day', now() - (i % 182) * interval '1 day' + (i % 7200) * interval '1 second',
        i % 7200, (i::bigint * 7919) % 5000000000, (i::bigint * 104729) % 20000000000,
        (array['User-Request','Lost-Carrier','Idle-Timeout','Session-Timeout'])[1 + i % 4]
      from generate_series(1, ${RADACCT}) i
      join (select id, username, mac_address, row_number() over (order by username) - 1 as n from ${s}.subscribers) sub
        on sub.n = i % ${SUBSCRIBERS}`);
  await db.sql.unsafe(`analyze ${s}.radacct`);
  return { slug: tenant.slug, schema: tenant.schemaName };
}

async function counts(sql: postgres.Sql, schema: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ["subscribers", "radacct", "nas_devices", "service_plans", "users", "audit_logs"]) {
    const [r] = await sql.unsafe<{ n: string }[]>(`select count(*)::text as n from "${schema}"."${t}"`);
    out[t] = Number(r?.n ?? -1);
  }
  return out;
}

function assertSame(what: string, a: Record<string, number>, b: Record<string, number>): void {
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    throw new Error(`${what}: row counts differ\n${JSON.stringify(a)}\n${JSON.stringify(b)}`);
  }
}

const saUrl = await newDatabase("standalone");
const sa = connect(saUrl, { max: 4 });
const t0 = performance.now();
const source = await fixture(sa);
const sourceCounts = await counts(sa.sql, source.schema);
console.log(`fixture: ${JSON.stringify(sourceCounts)} in ${seconds(t0).toFixed(1)} s`);
console.log(`load: ${execFileSync("uptime").toString().trim()}`);

const results = { toSaas: [] as number[], toSaasExport: [] as number[], toSaasImport: [] as number[] };
const back = { total: [] as number[], dump: [] as number[], load: [] as number[] };
const anchor = { total: [] as number[], dump: [] as number[], restore: [] as number[] };
let archiveBytes = 0;
let sqlBytes = 0;
let anchorBytes = 0;

for (let run = 1; run <= runs; run++) {
  // Standalone → SaaS: archive out of the install, import under a new slug into a cluster of its own
  // (one cluster cannot hold the same NAS twice, so each run gets a fresh one).
  const saas = connect(await newDatabase(`saas${run}`), { max: 4 });
  const archive = path.join(work, `isp-${run}.proisp.bak`);
  let t = performance.now();
  const exported = await exportArchive({ db: sa.db, sql: sa.sql, dataDir: work }, standaloneKeys, source.slug, archive);
  const exportS = seconds(t);
  archiveBytes = exported.bytes;
  t = performance.now();
  const phases: Record<string, number> = {};
  let lastPhase: string | undefined;
  let lastAt = t;
  const report = await importArchive({
    db: saas.db,
    sql: saas.sql,
    slug: `moved-${run}`,
    open: () => createReadStream(archive),
    source: {
      licenseKey: standaloneKeys.licenseKey,
      tenantSecret: (await fs.readFile(path.join(exported.keysDir, "tenant-secret"), "utf8")).trim(),
      dataKey: standaloneKeys.dataKey,
    },
    clusterDataKey: clusterKeys.dataKey,
    onProgress: (phase) => {
      const now = performance.now();
      if (lastPhase) phases[lastPhase] = (phases[lastPhase] ?? 0) + (now - lastAt) / 1000;
      lastPhase = phase;
      lastAt = now;
    },
  });
  console.log(
    `  import phases: ${Object.entries(phases)
      .map(([k, v]) => `${k} ${v.toFixed(2)} s`)
      .join(", ")}`,
  );
  const importS = seconds(t);
  if (!report.matches) throw new Error("import: row counts differ from the manifest");
  assertSame("standalone → SaaS", sourceCounts, await counts(saas.sql, report.schemaName));
  results.toSaasExport.push(exportS);
  results.toSaasImport.push(importS);
  results.toSaas.push(exportS + importS);

  // SaaS → standalone: SQL dump of that tenant, psql into a fresh install's database.
  const dump = path.join(work, `moved-${run}.sql`);
  const target = await newDatabase(`back${run}`);
  t = performance.now();
  await exportSqlForStandalone({ db: saas.db, sql: saas.sql, dataDir: work }, clusterKeys, `moved-${run}`, dump);
  const dumpS = seconds(t);
  sqlBytes = (await fs.stat(dump)).size;
  t = performance.now();
  execFileSync("psql", ["-q", "-X", "-v", "ON_ERROR_STOP=1", "-f", dump, target]);
  const loadS = seconds(t);
  const targetSql = postgres(target, { max: 1, onnotice: () => {} });
  assertSame("SaaS → standalone", sourceCounts, await counts(targetSql, report.schemaName));
  await targetSql.end();
  await saas.close();
  back.dump.push(dumpS);
  back.load.push(loadS);
  back.total.push(dumpS + loadS);

  // Anchor, same data, same run: pg_dump -Fc -n of the standalone schema, pg_restore into an empty database.
  const fc = path.join(work, `anchor-${run}.dump`);
  const empty = await newDatabase(`anchor${run}`);
  t = performance.now();
  execFileSync("pg_dump", ["-Fc", "-n", source.schema, "-f", fc, saUrl]);
  const pgDumpS = seconds(t);
  anchorBytes = (await fs.stat(fc)).size;
  t = performance.now();
  execFileSync("pg_restore", ["--single-transaction", "--no-owner", "-d", empty, fc]);
  const pgRestoreS = seconds(t);
  anchor.dump.push(pgDumpS);
  anchor.restore.push(pgRestoreS);
  anchor.total.push(pgDumpS + pgRestoreS);
  console.log(
    `run ${run}: standalone→SaaS ${(exportS + importS).toFixed(2)} s (export ${exportS.toFixed(2)}, import ${importS.toFixed(2)}); ` +
      `SaaS→standalone ${(dumpS + loadS).toFixed(2)} s (dump ${dumpS.toFixed(2)}, psql ${loadS.toFixed(2)}); ` +
      `pg_dump+pg_restore ${(pgDumpS + pgRestoreS).toFixed(2)} s (${pgDumpS.toFixed(2)} + ${pgRestoreS.toFixed(2)})`,
  );
}

const f = (xs: number[]) => median(xs).toFixed(2);
// On a loaded machine the anchor drifts between runs too: the median of per-run ratios is the fairer figure.
const perRun = (xs: number[]) => median(xs.map((x, i) => x / (anchor.total[i] ?? Number.NaN))).toFixed(2);
const ratio = (xs: number[]) => (median(xs) / median(anchor.total)).toFixed(2);
console.log(`\nmedians of ${runs} (${SUBSCRIBERS} subscribers, ${RADACCT} radacct rows; row counts checked every run)`);
console.log("| direction | total | parts | vs pg_dump -Fc + pg_restore (ratio of medians; median of per-run ratios) |");
console.log("|---|---|---|---|");
console.log(
  `| standalone → SaaS (archive, import) | ${f(results.toSaas)} s | export ${f(results.toSaasExport)} s, import ${f(results.toSaasImport)} s | ${ratio(results.toSaas)}×; ${perRun(results.toSaas)}× |`,
);
console.log(
  `| SaaS → standalone (SQL dump, psql) | ${f(back.total)} s | dump ${f(back.dump)} s, psql ${f(back.load)} s | ${ratio(back.total)}×; ${perRun(back.total)}× |`,
);
console.log(
  `| anchor: pg_dump -Fc -n + pg_restore | ${f(anchor.total)} s | dump ${f(anchor.dump)} s, restore ${f(anchor.restore)} s | 1.00× |`,
);
console.log(
  `sizes: archive ${(archiveBytes / 1e6).toFixed(1)} MB, SQL dump ${(sqlBytes / 1e6).toFixed(1)} MB, pg_dump -Fc ${(anchorBytes / 1e6).toFixed(1)} MB`,
);
console.log(`load: ${execFileSync("uptime").toString().trim()}`);

await sa.close();
for (const name of created) await admin.unsafe(`drop database if exists "${name}" with (force)`);
await admin.end();
await fs.rm(work, { recursive: true, force: true });
