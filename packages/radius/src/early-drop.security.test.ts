import { execFileSync } from "node:child_process";
import { afterEach, expect, it } from "vitest";
import { Code, decodePacket, encodeRequest, encryptUserPassword } from "./codec.ts";
import { MemoryDataSource } from "./memory-source.ts";
import { RadiusServer } from "./server.ts";
import { UdpPeer } from "./testing/udp-client.ts";

/**
 * Under overflow the daemon must read faster than a flooding NAS sends, or the kernel's socket
 * buffer drops a neighbour's packets blindly. So once a source address is known to belong to a
 * tenant whose queue is full, its packets are dropped before decoding. The burst is sent by a child
 * process while this one (the server's) is blocked, so it all waits in the kernel; the server then
 * reads up to 32 a turn and evaluates 4, so a queue of 8 is full from the first turn on.
 */
function burst(from: string, port: number, packets: Buffer[]): void {
  const script = `
    const s = require("node:dgram").createSocket("udp4");
    const packets = process.argv[1].split(",").map((h) => Buffer.from(h, "hex"));
    s.bind(0, "${from}", () => {
      let left = packets.length;
      for (const p of packets) s.send(p, ${port}, "127.0.0.1", () => { if (--left === 0) s.close(); });
    });`;
  execFileSync(process.execPath, ["-e", script, packets.map((p) => p.toString("hex")).join(",")]);
}
let server: RadiusServer | undefined;
const peers: UdpPeer[] = [];
afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  await server?.stop();
  server = undefined;
});

function pap(user: string, password: string, secret: string, id: number): Buffer {
  const authenticator = Buffer.alloc(16, id + 1);
  authenticator.writeUInt32BE(id);
  return encodeRequest({
    code: Code.AccessRequest,
    identifier: id & 0xff,
    secret,
    authenticator,
    attributes: [
      ["User-Name", user],
      ["User-Password", encryptUserPassword(Buffer.from(password), secret, authenticator)],
    ],
    messageAuthenticator: true,
  });
}

/** Declares 300 bytes of attributes it does not carry: malformed whoever decodes it. */
const garbage = () => Buffer.from([1, 7, 0x01, 0x40, ...Buffer.alloc(16, 9)]);

async function start(source: MemoryDataSource) {
  server = new RadiusServer({
    dataSource: source,
    host: "127.0.0.1",
    authPort: 0,
    acctPort: 0,
    perTenantQueue: 8,
    receiveBufferBytes: 1024 * 1024,
  });
  return (await server.start()).authPort;
}

async function settle(s: RadiusServer, received: number) {
  const end = Date.now() + 10_000;
  while (s.counters.received < received && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 100));
}

it("drops a full tenant's packets before decoding them, charged to that tenant as queue_full", async () => {
  const source = new MemoryDataSource();
  source.addNas({ nasId: "nas-a", tenantId: "tenant-a", address: "127.0.0.5", secret: "secret-a" });
  source.addNas({ nasId: "nas-b", tenantId: "tenant-b", address: "127.0.0.6", secret: "secret-b" });
  source.addSubscriber("tenant-a", { username: "a", password: "a-pass", status: "active" });
  source.addSubscriber("tenant-b", { username: "b", password: "b-pass", status: "active" });
  const port = await start(source);
  const s = server as RadiusServer;
  const stranger = await UdpPeer.open("127.0.0.7");
  peers.push(stranger);

  // 100 valid requests fill A's queue, then 50 undecodable ones follow from the same address.
  const packets = Array.from({ length: 100 }, (_, i) => pap("a", "a-pass", "secret-a", i));
  burst("127.0.0.5", port, [...packets, ...Array.from({ length: 50 }, garbage)]);
  await settle(s, 150);
  expect(s.counters.received).toBe(150);
  // Decoding every packet would count all 50 as malformed; those read while A's queue was full
  // were dropped unread as A's overflow instead (the rest came after a turn had freed a slot).
  const early = 50 - s.counters.droppedMalformed;
  expect(early).toBeGreaterThan(0);
  expect(s.tenantQueueDrops.get("tenant-a")).toBe(s.counters.droppedQueueFull);
  expect(s.counters.accessAccepts + s.counters.droppedQueueFull + s.counters.droppedMalformed).toBe(150);

  // An address no packet has tied to a tenant is decoded as before (and its garbage counted so).
  for (let i = 0; i < 5; i++) stranger.send(garbage(), port);
  await settle(s, 155);
  expect(s.counters.droppedMalformed).toBe(50 - early + 5);

  // Tenant B, whose queue is empty, is answered.
  const b = await UdpPeer.open("127.0.0.6");
  peers.push(b);
  const reply = await b.exchange(pap("b", "b-pass", "secret-b", 1), port, 2000);
  expect(reply && decodePacket(reply)?.code).toBe(Code.AccessAccept);
  expect(s.tenantQueueDrops.get("tenant-b")).toBeUndefined();
});

it("decodes every packet from an address shared by two tenants' NAS (NAS-Identifier decides)", async () => {
  const source = new MemoryDataSource();
  source.addNas({ nasId: "nas-a", tenantId: "tenant-a", address: "127.0.0.8", secret: "secret-a", identifier: "a" });
  source.addNas({ nasId: "nas-c", tenantId: "tenant-c", address: "127.0.0.8", secret: "secret-c", identifier: "c" });
  const port = await start(source);
  const s = server as RadiusServer;
  const withId = (id: string, secret: string, i: number) =>
    encodeRequest({
      code: Code.AccessRequest,
      identifier: i & 0xff,
      secret,
      attributes: [
        ["User-Name", "x"],
        ["NAS-Identifier", id],
      ],
      messageAuthenticator: true,
    });
  // Both tenants seen from this address, then A overflows, then garbage: it must be decoded,
  // since the address alone cannot say whose it is.
  burst("127.0.0.8", port, [withId("c", "secret-c", 0)]);
  await settle(s, 1);
  const flood = Array.from({ length: 100 }, (_, i) => withId("a", "secret-a", i));
  burst("127.0.0.8", port, [...flood, ...Array.from({ length: 20 }, garbage)]);
  await settle(s, 121);
  expect(s.counters.received).toBe(121);
  expect(s.counters.droppedMalformed).toBe(20);
});
