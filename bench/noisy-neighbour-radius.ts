// Child process of bench/noisy-neighbour.ts: the RADIUS server (fair queue, default per-tenant
// limit) with tenant A's NAS at 127.0.0.5 and tenant B's at 127.0.0.6. Prints its ports; on stdin
// end prints its counters and per-tenant queue drops, then exits.
import { MemoryDataSource } from "../packages/radius/src/memory-source.ts";
import { RadiusServer } from "../packages/radius/src/server.ts";

const source = new MemoryDataSource();
source.addNas({ nasId: "nas-a", tenantId: "tenant-a", address: "127.0.0.5", secret: "secret-a" });
source.addNas({ nasId: "nas-b", tenantId: "tenant-b", address: "127.0.0.6", secret: "secret-b" });
source.addSubscriber("tenant-a", { username: "a", password: "a-pass", status: "active" });
source.addSubscriber("tenant-b", { username: "b", password: "b-pass", status: "active" });
const server = new RadiusServer({
  dataSource: source,
  host: "127.0.0.1",
  authPort: 0,
  acctPort: 0,
  // As the daemon sets it (apps/radius), so the backlog reaches the fair queue, not the kernel.
  receiveBufferBytes: 4 * 1024 * 1024,
  ...(process.env.PER_TENANT_QUEUE ? { perTenantQueue: Number(process.env.PER_TENANT_QUEUE) } : {}),
});
const ports = await server.start();
process.stdout.write(`${JSON.stringify(ports)}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  const drops = Object.fromEntries(server.tenantQueueDrops);
  process.stdout.write(`${JSON.stringify({ counters: server.counters, tenantQueueDrops: drops })}\n`);
  void server.stop().then(() => process.exit(0));
});
