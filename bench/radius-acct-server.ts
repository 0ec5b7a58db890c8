/**
 * The production RADIUS daemon (DbDataSource: NAS routes from PostgreSQL, batched radacct writes)
 * in its own process for bench/radius-acct.ts, so its CPU time can be read from /proc.
 * Prints one JSON line with the ports; on stdin end flushes, prints counters, exits.
 * BENCH_ROLLUPS=0 switches the session rates and traffic roll-ups off (today's figure without them).
 */

import { connect } from "@proxpanel/db";
import { startDbDaemon } from "@proxpanel/radius-app/daemon";
import { MemoryState, TenantKeyRing } from "@proxpanel/tenancy";

const url = process.env.DATABASE_URL;
const clusterKey = process.env.BENCH_CLUSTER_KEY;
if (!url || !clusterKey) throw new Error("DATABASE_URL and BENCH_CLUSTER_KEY are required");
const database = connect(url, { max: 8 });
const daemon = await startDbDaemon({
  db: database.db,
  keys: new TenantKeyRing(database.db, clusterKey),
  state: new MemoryState(),
  host: "127.0.0.1",
  authPort: 0,
  acctPort: 0,
  refreshIntervalMs: 0,
  accounting: { trafficRollups: process.env.BENCH_ROLLUPS !== "0" },
  log: (line) => {
    if (line.level === "error") process.stderr.write(`${JSON.stringify(line)}\n`);
  },
});
await daemon.ready;
process.stdout.write(`${JSON.stringify({ authPort: daemon.authPort, acctPort: daemon.acctPort })}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  void daemon
    .stop()
    .then(() => {
      process.stderr.write(`${JSON.stringify(daemon.server.counters)}\n`);
      return database.close();
    })
    .then(() => process.exit(0));
});
