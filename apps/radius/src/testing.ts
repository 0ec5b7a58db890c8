import type { Db } from "@proxpanel/db";
import type { SharedState, TenantKeyRing } from "@proxpanel/tenancy";
import { type DbDaemonOptions, startDbDaemon } from "./daemon.ts";

/**
 * The daemon as the RADIUS tests run it, on the database of a test's API: loopback, ports the
 * kernel picks, no periodic refresh (a test drives reloads through events), no log lines, and
 * resolved once the NAS routes are loaded.
 */
export async function startTestDaemon(
  deps: { db: Db; keys: TenantKeyRing; state: SharedState },
  options: Partial<DbDaemonOptions> = {},
) {
  const daemon = await startDbDaemon({
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
  // The tests expect routing from their first packet: wait for the NAS routes (the sockets open first).
  await daemon.ready;
  return daemon;
}
