import type { Db } from "@proxpanel/db";
import { type NasRecord, type RadiusDataSource, RadiusServer } from "@proxpanel/radius";
import { startStatsPublisher } from "@proxpanel/radius/stats";
import type { SharedState, TenantKeyRing } from "@proxpanel/tenancy";
import { DbDataSource, type DbSourceOptions } from "./db/source.ts";

type Log = (line: Record<string, unknown>) => void;

export interface DaemonOptions {
  authPort: number;
  acctPort: number;
  host: string;
  dataSource: RadiusDataSource;
  /** Acct-Interim-Interval sent to NAS (s), RADIUS_INTERIM_INTERVAL. */
  interimInterval?: number;
  log?: Log;
  /** Notes each NAS's last packet (NAS health). */
  onNasSeen?: (nas: NasRecord, kind: "auth" | "acct") => void;
}

export interface RunningDaemon {
  server: RadiusServer;
  authPort: number;
  acctPort: number;
  stop(): Promise<void>;
}

const defaultLog: Log = (line) => console.log(JSON.stringify(line));

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const log = options.log ?? defaultLog;
  const server = new RadiusServer({
    dataSource: options.dataSource,
    authPort: options.authPort,
    acctPort: options.acctPort,
    host: options.host,
    // Bursts from many NAS wait in the kernel while the event loop is busy (capped by rmem_max).
    receiveBufferBytes: 4 * 1024 * 1024,
    ...(options.interimInterval !== undefined ? { defaultInterimInterval: options.interimInterval } : {}),
    onError: (err, where) => log({ level: "error", where, err: String(err) }),
    ...(options.onNasSeen ? { onNasSeen: options.onNasSeen } : {}),
  });
  try {
    const ports = await server.start();
    log({ level: "info", msg: "radius listening", ...ports });
    return { server, ...ports, stop: () => server.stop() };
  } catch (err) {
    // One socket may be bound already (auth ok, acct refused): release it before giving up.
    await server.stop().catch(() => {});
    throw err;
  }
}

export interface DbDaemonOptions extends Omit<DaemonOptions, "dataSource"> {
  db: Db;
  keys: TenantKeyRing;
  state: SharedState;
  refreshIntervalMs?: number;
  /** Accounting sink options (the bench switches the traffic roll-ups off to compare). */
  accounting?: DbSourceOptions["accounting"];
  seenFlushMs?: number;
}

/** The production daemon: tenant routing and subscribers from PostgreSQL, changes from the bus. */
export async function startDbDaemon(options: DbDaemonOptions): Promise<RunningDaemon & { source: DbDataSource }> {
  const log = options.log ?? defaultLog;
  const source = new DbDataSource({
    db: options.db,
    keys: options.keys,
    state: options.state,
    onError: (err, where) => log({ level: "error", where, err: String(err) }),
    ...(options.refreshIntervalMs !== undefined ? { refreshIntervalMs: options.refreshIntervalMs } : {}),
    ...(options.accounting ? { accounting: options.accounting } : {}),
    ...(options.seenFlushMs !== undefined ? { seenFlushMs: options.seenFlushMs } : {}),
  });
  await source.start();
  let daemon: RunningDaemon;
  try {
    daemon = await startDaemon({
      ...options,
      dataSource: source,
      log,
      onNasSeen: (nas, kind) => source.seen.mark(nas, kind),
    });
  } catch (err) {
    await source.stop();
    throw err;
  }
  // Counters as rates for the console's system health (see stats-publisher.ts).
  const stats = startStatsPublisher({
    state: options.state,
    counters: daemon.server.counters,
    onError: (err) => log({ level: "warn", where: "radius stats", err: String(err) }),
  });
  return {
    ...daemon,
    source,
    // Sockets first, so nothing new arrives while the queued writes are flushed.
    stop: async () => {
      stats.stop();
      await daemon.stop();
      await source.stop();
    },
  };
}
