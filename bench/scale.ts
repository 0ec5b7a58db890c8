/**
 * The scale run (issue 17): 1,000 tenants × 1,000 subscribers on one machine, then what it costs.
 *
 *   npm run bench:scale -- fill       build the fixture (bench/scale-fill.ts; resumable)
 *   npm run bench:scale -- measure    every measurement below, on the fixture as it stands
 *   npm run bench:scale -- drop       drop the scale database (do this: it is several GB)
 *
 * Runs on its own database (`proxpanel_scale` on DATABASE_URL's server, default the machine's
 * PostgreSQL at 127.0.0.1:5432), never the tests' or the other benches'. The API and the RADIUS
 * daemon run as child processes (bench/scale-api.ts, bench/scale-radius.ts), so load generation
 * and probes never share their event loops.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { writeBackup } from "@proxpanel/backup";
import { connect } from "@proxpanel/db";
import autocannon from "autocannon";
import pLimit from "p-limit";
import postgres from "postgres";
import { Code, decodePacket, encodeRequest, encryptUserPassword } from "../packages/radius/src/codec.ts";
import { UdpPeer } from "../packages/radius/src/testing/udp-client.ts";
import { httpRequest } from "../tests/harness.ts";
import { fmt, median, percentile } from "./lib.ts";
import { NAS_SECRET, nasAddress, SCALE_DB, scaleConfig, scaleUrl, slugOf } from "./scale-fill.ts";

const command = process.argv[2] ?? "measure";
/** Shorter loads and a backup of the first N tenants only, to try the script out (SCALE_QUICK=1). */
const QUICK = process.env.SCALE_QUICK === "1";
const SECONDS = QUICK ? 3 : 10;
/**
 * Which parts to run (SCALE_SECTIONS=radius,api,migrate,backup,memory; default all). `radius-startup`
 * instead of `radius` stops after start-up, caching and the steady PAP probe (no edit and refresh runs).
 */
const SECTIONS = new Set((process.env.SCALE_SECTIONS ?? "radius,api,migrate,backup,memory").split(","));
const results: string[] = [];
const report = (what: string, figure: string) => {
  results.push(`| ${what} | ${figure} |`);
  console.log(`${what}: ${figure}`);
};
const p = (xs: number[], q: number) =>
  percentile(
    [...xs].sort((a, b) => a - b),
    q,
  );
const load = () => readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");

function child(
  script: string,
  args: string[] = [],
): Promise<{ proc: ChildProcess; first: string; lines: () => Promise<string> }> {
  const proc = spawn(process.execPath, ["--expose-gc", "--import", "tsx", script, ...args], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  if (!proc.stdout) throw new Error("no stdout");
  const rl = createInterface({ input: proc.stdout });
  const queue: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  rl.on("line", (l) => {
    const w = waiting.shift();
    if (w) w(l);
    else queue.push(l);
  });
  const lines = () =>
    new Promise<string>((resolve) => {
      const q = queue.shift();
      if (q !== undefined) resolve(q);
      else waiting.push(resolve);
    });
  return new Promise((resolve, reject) => {
    proc.once("exit", (code) => reject(new Error(`${script} exited ${code}`)));
    void lines().then((first) => resolve({ proc, first, lines }));
  });
}

function pap(user: string, password: string, id: number): Buffer {
  const authenticator = Buffer.alloc(16);
  authenticator.writeUInt32BE(Math.floor(Math.random() * 2 ** 32));
  authenticator.writeUInt32BE(id, 4);
  return encodeRequest({
    code: Code.AccessRequest,
    identifier: id & 0xff,
    secret: NAS_SECRET,
    authenticator,
    attributes: [
      ["User-Name", user],
      ["User-Password", encryptUserPassword(Buffer.from(password), NAS_SECRET, authenticator)],
    ],
    messageAuthenticator: true,
  });
}

async function fixture(sql: postgres.Sql) {
  const [f] = await sql<{ tenants: number; subs: number; acct: number; rels: number; db: string }[]>`
    select (select count(*)::int from public.tenants) as tenants,
           (select sum(reltuples)::bigint from pg_class where relname = 'subscribers' and relkind = 'r') as subs,
           (select sum(reltuples)::bigint from pg_class where relname = 'radacct' and relkind = 'r') as acct,
           (select count(*)::int from pg_class) as rels,
           pg_size_pretty(pg_database_size(current_database())) as db`;
  return f;
}

async function measure() {
  const { url } = scaleUrl();
  const config = scaleConfig();
  const database = connect(url, { max: 4 });
  const sql = database.sql;
  const f = await fixture(sql);
  report(
    "fixture",
    `${f?.tenants} tenants, ${Number(f?.subs).toLocaleString("en")} subscribers, ${Number(f?.acct).toLocaleString("en")} radacct rows, ${f?.rels.toLocaleString("en")} relations in pg_class, database ${f?.db}`,
  );
  const tenantRows = await sql<{ id: string; slug: string; schema_name: string; secret: string }[]>`
    select id, slug, schema_name, secret from public.tenants where slug like 's%' order by slug`;
  const big = tenantRows.find((t) => t.slug === slugOf(0));
  if (!big) throw new Error("no fixture: run `npm run bench:scale -- fill` first");

  // RADIUS daemon: start-up, every tenant cached, auth p99, the cost of one subscriber edit.
  if (SECTIONS.has("radius") || SECTIONS.has("radius-startup")) {
    const t0 = performance.now();
    const radius = await child("bench/scale-radius.ts");
    const opened = JSON.parse(radius.first) as { authPort: number; listeningMs: number };
    const tOpen = performance.now();
    // A NAS that starts sending the moment the sockets open, retransmitting every second as NAS do.
    const first = tenantRows[1] as { slug: string };
    const nas = await UdpPeer.open(nasAddress(Number(first.slug.slice(1))));
    let tries = 0;
    let accepted = false;
    while (!accepted && tries < 300) {
      tries++;
      const reply = await nas.exchange(pap("u1", "p1", 1), opened.authPort, 1000);
      accepted = !!reply && decodePacket(reply)?.code === Code.AccessAccept;
    }
    const firstAccept = performance.now() - tOpen;
    nas.close();
    const r = JSON.parse(await radius.lines()) as Record<string, number>;
    report(
      "RADIUS daemon start-up: sockets open, then NAS routes of every tenant loaded (packets held meanwhile), then every tenant cached",
      `sockets open after ${fmt(opened.listeningMs / 1000, 1)} s; routes ready after ${fmt((r.readyMs ?? 0) / 1000, 1)} s (${r.nas} NAS routes); a NAS sending from the moment the sockets opened (a retransmission a second) had its Access-Accept ${fmt(firstAccept / 1000, 1)} s later (${tries} sends, ${accepted ? "accepted" : "NOT accepted"}); first line after ${fmt((tOpen - t0) / 1000, 1)} s wall; load ${load()}`,
    );
    report(
      "RADIUS daemon: every tenant cached",
      `${r.tenants} tenants in ${fmt((r.cacheAllMs ?? 0) / 1000, 1)} s (${fmt((r.cacheAllCpuMs ?? 0) / 1000, 1)} s daemon CPU); RSS ${r.rssMiB} MiB, heap ${r.heapMiB} MiB`,
    );
    const port = r.authPort as number;
    const sample = tenantRows.filter((_, i) => i % 20 === 0).slice(0, 50);
    const peers = new Map<string, UdpPeer>();
    for (const t of sample) peers.set(t.slug, await UdpPeer.open(nasAddress(Number(t.slug.slice(1)))));
    const probe = async (n: number, pick: () => { slug: string; user: number }) => {
      const ms: number[] = [];
      let lost = 0;
      for (let i = 0; i < n; i++) {
        const { slug, user } = pick();
        const req = pap(`u${user}`, `p${user}`, i);
        const t = performance.now();
        const reply = await (peers.get(slug) as UdpPeer).exchange(req, port, 2000);
        if (!reply || decodePacket(reply)?.code !== Code.AccessAccept) lost++;
        else ms.push(performance.now() - t);
      }
      return { ms, lost };
    };
    const any = () => {
      const t = sample[Math.floor(Math.random() * sample.length)] as { slug: string };
      return { slug: t.slug, user: Math.floor(Math.random() * (t.slug === big.slug ? 20_000 : 1000)) };
    };
    await probe(100, any); // warm-up (first unseal per subscriber)
    const steady = await probe(QUICK ? 200 : 600, any);
    report(
      "RADIUS PAP auth p99, every tenant cached (sequential, 50 tenants' NAS)",
      `p50 ${fmt(p(steady.ms, 50), 2)} ms, p99 ${fmt(p(steady.ms, 99), 2)} ms (${steady.lost} of ${steady.ms.length + steady.lost} not accepted); load ${load()}`,
    );
    const bigOnly = () => ({ slug: big.slug, user: Math.floor(Math.random() * 20_000) });
    for (const mode of SECTIONS.has("radius") ? (["full", "one"] as const) : []) {
      const done = radius.lines();
      radius.proc.stdin?.write(`edits ${mode} ${big.id} ${SECONDS * 1000}\n`);
      const during = await probe(QUICK ? 100 : 300, bigOnly);
      const e = JSON.parse(await done) as { edits: number; medianMs: number; cpuPerEditMs: number };
      report(
        `one subscriber edit in the 20,000-subscriber tenant, ${mode === "full" ? "BEFORE: whole tenant reloaded" : "AFTER: that subscriber re-read"}`,
        `${fmt(e.medianMs, 1)} ms median per edit, ${fmt(e.cpuPerEditMs, 1)} ms daemon CPU per edit (${e.edits} edits, one every ~50 ms); that tenant's PAP p99 meanwhile ${fmt(p(during.ms, 99), 1)} ms (p50 ${fmt(p(during.ms, 50), 2)} ms, ${during.lost} not accepted)`,
      );
    }
    for (const mode of SECTIONS.has("radius") ? (["all", "each"] as const) : []) {
      const done = radius.lines();
      radius.proc.stdin?.write(`refresh ${mode}\n`);
      let finished = false;
      void done.then(() => {
        finished = true;
      });
      const ms: number[] = [];
      let lost = 0;
      while (!finished) {
        const r = await probe(20, any);
        ms.push(...r.ms);
        lost += r.lost;
      }
      const rf = JSON.parse(await done) as { refreshMs: number; refreshCpuMs: number };
      report(
        mode === "all"
          ? "RADIUS periodic safety-net refresh, BEFORE (every cached tenant reloaded at once, every 60 s)"
          : "RADIUS periodic safety-net refresh, AFTER (two tenants at a time, every 10 min)",
        `${fmt(rf.refreshMs / 1000, 1)} s, ${fmt(rf.refreshCpuMs / 1000, 1)} s daemon CPU; PAP meanwhile p50 ${fmt(p(ms, 50), 1)} ms, p99 ${fmt(p(ms, 99), 1)} ms, max ${fmt(p(ms, 100), 0)} ms (${ms.length + lost} probes, ${lost} unanswered in 2 s)`,
      );
    }
    for (const peer of peers.values()) peer.close();
    radius.proc.kill();
  }

  // API: onboarding with all of it present, subscriber list and dashboard under load.
  if (SECTIONS.has("api")) {
    const api = await child("bench/scale-api.ts");
    const { port } = JSON.parse(api.first) as { port: number };
    const run = Date.now().toString(36);
    const signup: number[] = [];
    for (let i = 0; i < 23; i++) {
      const t = performance.now();
      const res = await httpRequest(port, "POST", "/api/signup", {
        host: "bench.test",
        body: {
          slug: `x${run}-${i}`,
          companyName: "Scale ISP",
          plan: "trial",
          adminEmail: "owner@scale.test",
          adminPassword: "scale-password-1",
        },
      });
      if (res.status !== 201) throw new Error(`signup ${res.status} ${JSON.stringify(res.body)}`);
      if (i >= 3) signup.push(performance.now() - t);
    }
    report(
      "onboarding (POST /api/signup over HTTP) with the whole fixture present",
      `p50 ${fmt(p(signup, 50))} ms, p95 ${fmt(p(signup, 95))} ms (20 samples; load ${load()})`,
    );
    const tokens: { host: string; token: string }[] = [];
    for (let i = 1; i <= 8; i++) {
      const host = `${slugOf(i)}.bench.test`;
      const res = await httpRequest(port, "POST", "/api/auth/login", {
        host,
        body: { email: `owner@${slugOf(i)}.test`, password: "scale-password-1" },
      });
      if (res.status !== 200) throw new Error(`login ${res.status}`);
      tokens.push({ host, token: res.body.token as string });
    }
    const cannon = (paths: string[], seconds: number) =>
      new Promise<autocannon.Result>((resolve, reject) => {
        let n = 0;
        autocannon(
          {
            url: `http://127.0.0.1:${port}`,
            connections: 16,
            duration: seconds,
            requests: [
              {
                setupRequest: (req) => {
                  const t = tokens[Math.floor(Math.random() * tokens.length)] as { host: string; token: string };
                  return {
                    ...req,
                    path: paths[n++ % paths.length] as string,
                    headers: { host: t.host, authorization: `Bearer ${t.token}` },
                  };
                },
              },
            ],
          },
          (err, res) => (err ? reject(err) : resolve(res)),
        );
      });
    const show = (r: autocannon.Result) =>
      `p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, ${Math.round(r.requests.average)} req/s, ${r.non2xx} non-2xx of ${r.requests.total}`;
    const list = await cannon(["/api/subscribers?limit=50", "/api/subscribers?limit=50&search=u12"], SECONDS);
    report(
      "API subscriber list under load (16 connections over 8 tenants of 1,000; first page and a search)",
      `${show(list)}; load ${load()}`,
    );
    const dash = await cannon(
      [
        "/api/subscribers?limit=1",
        "/api/sessions?limit=1&online=true",
        "/api/transactions/revenue",
        "/api/sessions/usage?days=30",
      ],
      SECONDS,
    );
    report(
      "API dashboard requests under load (its 4 calls; these tenants hold 18,000 radacct rows each)",
      `${show(dash)}; load ${load()}`,
    );
    api.proc.kill("SIGTERM");
  }

  // Migrations: nothing to apply, then one ALTER across every schema.
  if (SECTIONS.has("migrate")) {
    const env = { ...process.env, DATABASE_URL: url };
    const t = performance.now();
    const out = execFileSync("npm", ["run", "-s", "db:migrate"], { env, stdio: "pipe" }).toString().trim();
    report(
      "`npm run db:migrate` with nothing to apply (whole process)",
      `${fmt((performance.now() - t) / 1000, 2)} s — ${out}`,
    );
    const limit = pLimit(config.MIGRATE_CONCURRENCY);
    const all = await sql<{ schema_name: string }[]>`select schema_name from public.tenants where status = 'active'`;
    const alter = async (ddl: (s: string) => string) => {
      const s0 = performance.now();
      await Promise.all(all.map((r) => limit(() => sql.begin((tx) => tx.unsafe(ddl(r.schema_name))))));
      return performance.now() - s0;
    };
    const add = await alter((s) => `alter table "${s}".subscribers add column scale_probe text`);
    const drop = await alter((s) => `alter table "${s}".subscribers drop column scale_probe`);
    report(
      `one ALTER TABLE across all ${all.length} schemas (each in its own transaction, ${config.MIGRATE_CONCURRENCY} at a time, as db:migrate runs them)`,
      `add column ${fmt(add / 1000, 1)} s, drop it again ${fmt(drop / 1000, 1)} s`,
    );
  }

  // Backup: every tenant's archive (the product's writeBackup: COPY, tar, gzip, AES-GCM), bytes counted.
  if (SECTIONS.has("backup")) {
    const licenseKey = "scale-bench-license-key-0123456789abcdef";
    const limit = pLimit(2);
    const sizes: { slug: string; bytes: number; ms: number }[] = [];
    const t = performance.now();
    const sink = () =>
      new Writable({
        write(_chunk: Buffer, _enc, cb) {
          cb();
        },
      });
    await Promise.all(
      tenantRows.slice(0, QUICK ? 20 : Number(process.env.SCALE_BACKUP_LIMIT ?? tenantRows.length)).map((row) =>
        limit(async () => {
          const s = performance.now();
          const r = await writeBackup(
            {
              sql,
              schemaName: row.schema_name,
              keys: { licenseKey, tenantId: row.id, tenantSecret: row.secret },
            },
            sink(),
          );
          sizes.push({ slug: row.slug, bytes: r.bytes, ms: performance.now() - s });
        }),
      ),
    );
    const total = performance.now() - t;
    const bytes = sizes.reduce((n, x) => n + x.bytes, 0);
    const small = sizes.filter((x) => Number(x.slug.slice(1)) >= 10);
    const full = sizes.filter((x) => Number(x.slug.slice(1)) >= 1 && Number(x.slug.slice(1)) < 10);
    const bigOne = sizes.find((x) => x.slug === slugOf(0));
    report(
      `backup cycle of every tenant (${sizes.length} archives, 2 at a time, to a byte counter: staging and upload not included)`,
      `${fmt(total / 1000, 0)} s, ${fmt(bytes / 1048576, 0)} MiB; per tenant of 1,000 subscribers + 1,800 radacct: median ${fmt(median(small.map((x) => x.ms)))} ms, ${fmt(median(small.map((x) => x.bytes)) / 1024, 0)} KiB; with 18,000 radacct (a full month): median ${fmt(median(full.map((x) => x.ms)))} ms, ${fmt(median(full.map((x) => x.bytes)) / 1048576, 2)} MiB; the 20,000-subscriber tenant (360,000 radacct): ${fmt((bigOne?.ms ?? 0) / 1000, 1)} s, ${fmt((bigOne?.bytes ?? 0) / 1048576, 1)} MiB; load ${load()}`,
    );
  }

  // PostgreSQL memory per backend once it has touched every tenant's tables.
  if (SECTIONS.has("memory")) {
    const one = postgres(url, { max: 1, onnotice: () => {} });
    const [{ pid } = { pid: 0 }] = await one<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const mem = async () => {
      const [c] = await one<{ total: string; cache: string }[]>`
        select sum(total_bytes)::bigint as total,
               sum(total_bytes) filter (where name = 'CacheMemoryContext' or parent = 'CacheMemoryContext')::bigint as cache
        from pg_backend_memory_contexts`;
      const status = readFileSync(`/proc/${pid}/status`, "utf8");
      const anon = Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
      return { total: Number(c?.total), cache: Number(c?.cache), anon };
    };
    const before = await mem();
    const all = await one<{ schema_name: string }[]>`select schema_name from public.tenants where status = 'active'`;
    const touch = async (n: number) => {
      for (const r of all.slice(0, n)) {
        await one.unsafe(`select id, username from "${r.schema_name}".subscribers order by created_at desc limit 50`);
        await one.unsafe(`select count(*) from "${r.schema_name}".radacct where stop_time is null`);
      }
    };
    await touch(100);
    const at100 = await mem();
    await touch(all.length);
    const atAll = await mem();
    const m = (b: number) => `${fmt(b / 1048576, 0)} MiB`;
    report(
      "PostgreSQL memory of one backend (memory contexts; RssAnon) after reading 2 tables of N tenants",
      `fresh ${m(before.total)} (${m(before.anon)} anon); 100 tenants ${m(at100.total)} (cache ${m(at100.cache)}; ${m(at100.anon)} anon); all ${all.length} ${m(atAll.total)} (cache ${m(atAll.cache)}; ${m(atAll.anon)} anon) — the catalog cache is per backend and never shrinks until the backend exits`,
    );
    await one.end();
  }
  await database.close();
  console.log("\n| measured | figure |\n|---|---|");
  for (const r of results) console.log(r);
}

if (command === "fill") {
  execFileSync(process.execPath, ["--import", "tsx", "bench/scale-fill.ts"], { stdio: "inherit" });
} else if (command === "drop") {
  const a = postgres(scaleUrl().admin, { max: 1, onnotice: () => {} });
  await a.unsafe(`drop database if exists ${SCALE_DB} with (force)`);
  await a.end();
  console.log(`dropped ${SCALE_DB}`);
} else {
  await measure();
}
process.exit(0);
