/**
 * The RADIUS daemon process. Ports: RADIUS_AUTH_PORT / RADIUS_ACCT_PORT (default 1812/1813),
 * bind address RADIUS_HOST; these move into @proxpanel/config when the daemon joins `npm start`.
 */
import { startDaemon } from "./daemon.ts";

function port(name: string, fallback: number): number {
  const raw = process.env[name];
  const n = raw === undefined || raw === "" ? fallback : Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return n;
}

const { server } = await startDaemon({
  authPort: port("RADIUS_AUTH_PORT", 1812),
  acctPort: port("RADIUS_ACCT_PORT", 1813),
  host: process.env.RADIUS_HOST ?? "0.0.0.0",
  demoSecret: process.env.RADIUS_DEMO_SECRET ?? "testing123",
});

const shutdown = () => {
  void server.stop().then(() => process.exit(0));
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
