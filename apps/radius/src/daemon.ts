import { MemoryDataSource, type RadiusDataSource, RadiusServer } from "@proxpanel/radius";

export interface DaemonOptions {
  authPort: number;
  acctPort: number;
  host: string;
  /** Until the database-backed source exists, the demo source below is used. */
  dataSource?: RadiusDataSource;
  demoSecret?: string;
  log?: (line: Record<string, unknown>) => void;
}

/** The demo tenant's NAS (127.0.0.1) and subscriber, mirroring the API's demo tenant. */
export function demoDataSource(secret: string): MemoryDataSource {
  const source = new MemoryDataSource();
  source.addNas({ nasId: "demo-nas", tenantId: "demo", address: "127.0.0.1", secret });
  source.addSubscriber("demo", {
    username: "demo",
    password: "demo-password",
    status: "active",
    rateLimit: "10M/10M",
    framedIp: "10.0.0.10",
  });
  return source;
}

export async function startDaemon(
  options: DaemonOptions,
): Promise<{ server: RadiusServer; authPort: number; acctPort: number }> {
  const log = options.log ?? ((line) => console.log(JSON.stringify(line)));
  const server = new RadiusServer({
    dataSource: options.dataSource ?? demoDataSource(options.demoSecret ?? "testing123"),
    authPort: options.authPort,
    acctPort: options.acctPort,
    host: options.host,
    onError: (err, where) => log({ level: "error", where, err: String(err) }),
  });
  const ports = await server.start();
  log({ level: "info", msg: "radius listening", ...ports });
  return { server, ...ports };
}
