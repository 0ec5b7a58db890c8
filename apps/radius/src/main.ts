/**
 * The RADIUS daemon as its own process (`npm start` launches it beside the API and the worker).
 * Needs DATABASE_URL (the API's database); changes made through the API arrive over Redis when
 * REDIS_URL is set, else over PostgreSQL LISTEN/NOTIFY (SHARED_STATE=database, the default).
 */
import { errnoCode, exitOnStartupError, loadConfigOrExit, StartupError } from "@proxpanel/config";
import { connect } from "@proxpanel/db";
import { openSharedState, TenantKeyRing } from "@proxpanel/tenancy";
import { startDbDaemon } from "./daemon.ts";
import { startRadiusMetrics } from "./metrics.ts";
import { dataKey } from "./secrets.ts";

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const config = loadConfigOrExit();
if (!config.DATABASE_URL) fail("DATABASE_URL is required (`npm start` sets it for the daemon it launches)");
if (!config.RADIUS_ENABLED) fail("RADIUS_ENABLED=false: the RADIUS daemon is switched off");

const database = connect(config.DATABASE_URL, { max: config.DB_POOL_MAX });
const state = openSharedState(config, config.DATABASE_URL);
const daemon = await startDbDaemon({
  db: database.db,
  keys: new TenantKeyRing(database.db, dataKey(config)),
  state,
  host: config.RADIUS_HOST,
  authPort: config.RADIUS_AUTH_PORT,
  acctPort: config.RADIUS_ACCT_PORT,
  interimInterval: config.RADIUS_INTERIM_INTERVAL,
}).catch((err: unknown) => {
  const ports = `${config.RADIUS_AUTH_PORT}/${config.RADIUS_ACCT_PORT}`;
  const code = errnoCode(err);
  if (code === "EACCES") {
    exitOnStartupError(
      new StartupError(
        `RADIUS ports ${ports} need privileges: set RADIUS_AUTH_PORT=11812 RADIUS_ACCT_PORT=11813, or grant cap_net_bind_service to node`,
      ),
    );
  }
  if (code === "EADDRINUSE") {
    exitOnStartupError(
      new StartupError(
        `RADIUS port ${ports} is in use (another RADIUS server?): set RADIUS_AUTH_PORT / RADIUS_ACCT_PORT`,
      ),
    );
  }
  throw err;
});

const metrics = await startRadiusMetrics(config, { server: daemon.server, db: database.db, state });
if (metrics) console.log(JSON.stringify({ level: "info", msg: "metrics listening", port: metrics.port }));
// The sockets are open and hold packets until every tenant's NAS routes are loaded ("radius ready",
// /readyz 200). If that load fails the daemon exits, as it did when the load came first.
daemon.ready.catch((err: unknown) => {
  console.error(JSON.stringify({ level: "fatal", msg: "loading the NAS routes failed", err: String(err) }));
  process.exit(1);
});

let closing = false;
// Sockets close first (nothing new arrives), then queued accounting batches are written: a record
// is acknowledged only once stored, so one cut off at SHUTDOWN_DRAIN_MS is retransmitted by its NAS.
const shutdown = () => {
  if (closing) return;
  closing = true;
  const deadline = new Promise<void>((resolve) => setTimeout(resolve, config.SHUTDOWN_DRAIN_MS).unref());
  void Promise.race([Promise.all([daemon.stop(), metrics?.close()]), deadline])
    .then(() => Promise.all([state.close(), database.close()]))
    .finally(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
