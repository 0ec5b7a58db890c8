import { MemoryDataSource } from "../memory-source.ts";
import { RadiusServer } from "../server.ts";

export const SECRET = "s3cret-testing";

export interface TestServer {
  server: RadiusServer;
  source: MemoryDataSource;
  authPort: number;
  acctPort: number;
  /** whatever the server reported through onError */
  errors: unknown[];
  stop(): Promise<void>;
}

/** A server on free ports with tenant "t1" (NAS at 127.0.0.1) and a few subscribers. */
export async function startTestServer(configure?: (source: MemoryDataSource) => void): Promise<TestServer> {
  const source = new MemoryDataSource();
  source.addNas({ nasId: "nas-1", tenantId: "t1", address: "127.0.0.1", secret: SECRET });
  source.addSubscriber("t1", {
    username: "alice",
    password: "alice-pass",
    status: "active",
    rateLimit: "10M/20M",
    framedIp: "100.64.0.10",
    interimInterval: 120,
  });
  configure?.(source);
  const errors: unknown[] = [];
  const server = new RadiusServer({
    dataSource: source,
    host: "127.0.0.1",
    authPort: 0,
    acctPort: 0,
    onError: (err) => errors.push(err),
  });
  const { authPort, acctPort } = await server.start();
  return { server, source, authPort, acctPort, errors, stop: () => server.stop() };
}
