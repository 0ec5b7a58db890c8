/**
 * The RADIUS daemon as its own process (production). `npm start` runs the same daemon inside the
 * API process. Needs DATABASE_URL (the API's database) and, in a cluster, REDIS_URL: without
 * Redis, changes made through the API reach this process only at the periodic refresh.
 */
import { loadConfigOrExit } from "@proxpanel/config";
import { connect } from "@proxpanel/db";
import { openSharedState, TenantKeyRing } from "@proxpanel/tenancy";
import { startDbDaemon } from "./daemon.ts";
import { dataKey } from "./secrets.ts";

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

const config = loadConfigOrExit();
if (!config.DATABASE_URL) fail("DATABASE_URL is required (`npm start` already runs RADIUS inside the API process)");

const database = connect(config.DATABASE_URL, { max: config.DB_POOL_MAX });
const state = openSharedState(config.REDIS_URL);
const daemon = await startDbDaemon({
  db: database.db,
  keys: new TenantKeyRing(database.db, dataKey(config)),
  state,
  host: config.RADIUS_HOST,
  authPort: config.RADIUS_AUTH_PORT,
  acctPort: config.RADIUS_ACCT_PORT,
  interimInterval: config.RADIUS_INTERIM_INTERVAL,
});

let closing = false;
const shutdown = () => {
  if (closing) return;
  closing = true;
  void daemon
    .stop()
    .then(() => Promise.all([state.close(), database.close()]))
    .finally(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
