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
  /** Hold packets until `server.release()` (see RadiusServerOptions.startHeld). */
  startHeld?: boolean;
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
    ...(options.startHeld ? { startHeld: true } : {}),
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

export interface RunningDbDaemon extends RunningDaemon {
  source: DbDataSource;
  /**
   * Settles once every tenant's NAS routes are loaded and the packets held meanwhile have been let
   * through (`server.ready` turns true); rejects if that load fails (the caller exits, as before).
   */
  ready: Promise<void>;
}

/**
 * The production daemon: tenant routing and subscribers from PostgreSQL, changes from the bus.
 *
 * The sockets open first and the promise resolves then; every tenant's NAS routes load after
 * (36 s at 1,000 tenants in the scale run under load, when the sockets used to wait for it). Packets
 * arriving meanwhile are held, not answered: before its routes are known a packet's NAS is unknown,
 * and answering is only right once it is known. The hold is bounded (RadiusServer `hold`: 4,096
 * packets, 5 s each), so a NAS whose packets age out is served from its retransmissions; `ready`
 * (and the metrics listener's /readyz) says when routing works.
 */
export async function startDbDaemon(options: DbDaemonOptions): Promise<RunningDbDaemon> {
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
  const daemon = await startDaemon({
    ...options,
    dataSource: source,
    log,
    onNasSeen: (nas, kind) => source.seen.mark(nas, kind),
    startHeld: true,
  });
  // Counters as rates for the console's system health (see stats-publisher.ts).
  const stats = startStatsPublisher({
    state: options.state,
    counters: daemon.server.counters,
    onError: (err) => log({ level: "warn", where: "radius stats", err: String(err) }),
  });
  const started = performance.now();
  const ready = source.start().then(
    () => {
      daemon.server.release();
      log({
        level: "info",
        msg: "radius ready",
        nas: source.nas.size,
        routesMs: Math.round(performance.now() - started),
      });
    },
    async (err: unknown) => {
      stats.stop();
      await daemon.stop();
      await source.stop();
      throw err;
    },
  );
  // A caller that never awaits `ready` must not get an unhandled rejection; one that does still sees it.
  ready.catch(() => {});
  return {
    ...daemon,
    source,
    ready,
    // Sockets first, so nothing new arrives while the queued writes are flushed.
    stop: async () => {
      stats.stop();
      await daemon.stop();
      await ready.catch(() => {});
      await source.stop();
    },
  };
}
