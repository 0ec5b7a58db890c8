import type { Server } from "node:http";
import { drainBackups } from "@proxpanel/backup";
import type { Logger } from "pino";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/**
 * SIGTERM: stop accepting, give in-flight requests and running backups until SHUTDOWN_DRAIN_MS,
 * then stop what is left. A backup still dumping then is aborted and its staging file removed (no
 * row points at it); one whose row is being written finishes. Connections still open at the
 * deadline (an SSE stream, a slow client) are closed.
 */
export async function drainApi(server: Server, drainMs: number, logger: Logger): Promise<void> {
  const deadline = Date.now() + drainMs;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  await Promise.race([closed, sleep(drainMs)]);
  const backups = await drainBackups(Math.max(0, deadline - Date.now()));
  if (backups.interrupted) logger.warn(backups, "backups interrupted by the shutdown; their partial files removed");
  server.closeAllConnections();
}
