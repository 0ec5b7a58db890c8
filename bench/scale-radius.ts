// Child process of bench/scale.ts: the production RADIUS daemon (startDbDaemon) on the scale
// database. Prints {authPort, listeningMs} as soon as its sockets are open (the NAS routes load after
// that, packets held meanwhile), then caches every tenant and reports time, memory and when the
// routes were ready (readyMs); then
// answers commands on stdin with one JSON line each:
//   edits <full|one> <tenantId> <ms>   edit loop on one tenant for <ms>: "full" reloads the whole
//                                      tenant per edit (what every subscriber event did before),
//                                      "one" re-reads one subscriber (what it does now)
//   refresh <all|each>                 the periodic safety-net refresh: "all" every cached tenant at
//                                      once (before), "each" two at a time (now)

import { createInterface } from "node:readline";
import { connect } from "@proxpanel/db";
import { openSharedState, TenantKeyRing } from "@proxpanel/tenancy";
import { sql } from "drizzle-orm";
import { startDbDaemon } from "../apps/radius/src/daemon.ts";
import { scaleConfig } from "./scale-fill.ts";

const t0 = performance.now();
const config = scaleConfig();
const database = connect(config.DATABASE_URL as string, { max: config.DB_POOL_MAX });
const state = openSharedState(config, config.DATABASE_URL as string);
const daemon = await startDbDaemon({
  db: database.db,
  keys: new TenantKeyRing(database.db, config.DATA_ENCRYPTION_KEY as string),
  state,
  host: "127.0.0.1",
  authPort: 0,
  acctPort: 0,
  refreshIntervalMs: 0,
  log: () => {},
});
const listening = performance.now() - t0;
const out = (o: unknown) => process.stdout.write(`${JSON.stringify(o)}\n`);
out({ authPort: daemon.authPort, listeningMs: listening });
await daemon.ready;
const ready = performance.now() - t0;
const mib = (n: number) => Math.round(n / 1048576);
const ids = (await database.db.execute<{ id: string }>(sql`select id from public.tenants where status = 'active'`)).map(
  (r) => r.id,
);
const cpu0 = process.cpuUsage();
const t1 = performance.now();
for (let i = 0; i < ids.length; i += 8) {
  await Promise.all(ids.slice(i, i + 8).map((id) => daemon.source.tenants.get(id)));
}
const cached = performance.now() - t1;
const cpu1 = process.cpuUsage(cpu0);
global.gc?.();
const mem = process.memoryUsage();
out({
  authPort: daemon.authPort,
  nas: daemon.source.nas.size,
  listeningMs: listening,
  readyMs: ready,
  tenants: ids.length,
  cacheAllMs: cached,
  cacheAllCpuMs: (cpu1.user + cpu1.system) / 1000,
  rssMiB: mib(mem.rss),
  heapMiB: mib(mem.heapUsed),
});

createInterface({ input: process.stdin }).on("line", async (line) => {
  const [cmd, mode, tenantId, ms] = line.split(" ");
  if (cmd === "refresh") {
    const c0 = process.cpuUsage();
    const s = performance.now();
    if (mode === "all") {
      // What the 60-second timer did before: every cached tenant at once.
      daemon.source.tenants.invalidateAll();
      await Promise.all(ids.map((id) => daemon.source.tenants.get(id)));
    } else {
      await daemon.source.refreshAll();
    }
    const c = process.cpuUsage(c0);
    out({ refreshMs: performance.now() - s, refreshCpuMs: (c.user + c.system) / 1000 });
    return;
  }
  if (cmd !== "edits" || !tenantId) return;
  const snap = await daemon.source.tenants.get(tenantId);
  const subs = snap ? [...snap.byId.keys()] : [];
  const times: number[] = [];
  const c0 = process.cpuUsage();
  const end = performance.now() + Number(ms);
  while (performance.now() < end) {
    const s = performance.now();
    if (mode === "full") {
      daemon.source.tenants.invalidate(tenantId);
      await daemon.source.tenants.get(tenantId);
    } else {
      await daemon.source.tenants.refreshSubscriber(tenantId, subs[Math.floor(Math.random() * subs.length)] as string);
    }
    times.push(performance.now() - s);
    await new Promise((r) => setTimeout(r, 50)); // an edit every ~50 ms: a busy panel
  }
  const c = process.cpuUsage(c0);
  times.sort((a, b) => a - b);
  out({
    edits: times.length,
    medianMs: times[Math.floor(times.length / 2)],
    cpuPerEditMs: (c.user + c.system) / 1000 / times.length,
  });
});
