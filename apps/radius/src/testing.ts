import type { Db } from "@proxpanel/db";
import type { SharedState, TenantKeyRing } from "@proxpanel/tenancy";
import { type DbDaemonOptions, startDbDaemon } from "./daemon.ts";

/**
 * The daemon as the RADIUS tests run it, on the database of a test's API: loopback, ports the
 * kernel picks, no periodic refresh (a test drives reloads through events) and no log lines.
 */
export function startTestDaemon(
  deps: { db: Db; keys: TenantKeyRing; state: SharedState },
  options: Partial<DbDaemonOptions> = {},
) {
  return startDbDaemon({
    db: deps.db,
    keys: deps.keys,
    state: deps.state,
    host: "127.0.0.1",
    authPort: 0,
    acctPort: 0,
    refreshIntervalMs: 0,
    log: () => {},
    ...options,
  });
}
