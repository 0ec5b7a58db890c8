/**
 * The daemon as the benchmark runs it, in its own process so its CPU time can be read from
 * /proc: 1,000 subscribers, one NAS at 127.0.0.1 with Message-Authenticator required.
 * Prints one JSON line with the ports, exits when stdin closes.
 */
import { MemoryDataSource } from "../src/memory-source.ts";
import { RadiusServer } from "../src/server.ts";

const BENCH_SECRET = "bench-secret";
const BENCH_USERS = 1000;

const source = new MemoryDataSource(10_000);
source.addNas({ nasId: "bench-nas", tenantId: "bench", address: "127.0.0.1", secret: BENCH_SECRET });
for (let i = 0; i < BENCH_USERS; i++) {
  source.addSubscriber("bench", {
    username: `user${i}`,
    password: `pass${i}`,
    status: "active",
    rateLimit: "10M/10M",
    framedIp: `100.64.${Math.floor(i / 250)}.${(i % 250) + 1}`,
  });
}
const server = new RadiusServer({
  dataSource: source,
  host: "127.0.0.1",
  authPort: 0,
  acctPort: 0,
  receiveBufferBytes: 8 * 1024 * 1024,
});
const ports = await server.start();
process.stdout.write(`${JSON.stringify(ports)}\n`);
process.stdin.resume();
process.stdin.on("end", () => {
  process.stderr.write(`${JSON.stringify(server.counters)}\n`);
  void server.stop().then(() => process.exit(0));
});
