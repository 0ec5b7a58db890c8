import { afterEach, expect, it, vi } from "vitest";
import { Code, decodePacket, encodeRequest, encryptUserPassword } from "./codec.ts";
import { MemoryDataSource } from "./memory-source.ts";
import { RadiusServer, type RadiusServerOptions } from "./server.ts";
import { UdpPeer } from "./testing/udp-client.ts";

// The daemon opens its sockets before the NAS routes are loaded (startHeld): packets that arrive
// meanwhile must be held, not dropped as from an unknown NAS nor answered, and answered on release.
const SECRET = "hold-secret";
const servers: RadiusServer[] = [];
const peers: UdpPeer[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  for (const p of peers.splice(0)) p.close();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

async function start(hold?: RadiusServerOptions["hold"]) {
  const source = new MemoryDataSource();
  source.addNas({ nasId: "nas-1", tenantId: "t1", address: "127.0.0.1", secret: SECRET });
  source.addSubscriber("t1", { username: "ann", password: "ann-pass", status: "active" });
  const server = new RadiusServer({
    dataSource: source,
    host: "127.0.0.1",
    authPort: 0,
    acctPort: 0,
    startHeld: true,
    ...(hold ? { hold } : {}),
  });
  servers.push(server);
  const { authPort } = await server.start();
  const peer = await UdpPeer.open();
  peers.push(peer);
  return { server, authPort, peer };
}

function pap(identifier: number): Buffer {
  const authenticator = Buffer.alloc(16, identifier);
  return encodeRequest({
    code: Code.AccessRequest,
    identifier,
    secret: SECRET,
    authenticator,
    attributes: [
      ["User-Name", "ann"],
      ["User-Password", encryptUserPassword(Buffer.from("ann-pass"), SECRET, authenticator)],
    ],
  });
}

it("holds a packet that arrives before the routes are loaded and answers it on release", async () => {
  const { server, authPort, peer } = await start();
  expect(server.ready).toBe(false);
  peer.send(pap(1), authPort);
  await expect.poll(() => server.counters.received, { timeout: 10_000 }).toBe(1);
  // Held: not evaluated, not dropped as an unknown NAS, not answered.
  expect(server.counters.accessRequests).toBe(0);
  expect(server.counters.droppedUnknownNas).toBe(0);
  expect(await peer.receive(200)).toBeUndefined();
  server.release();
  expect(server.ready).toBe(true);
  const reply = decodePacket((await peer.receive(10_000)) ?? Buffer.alloc(0));
  expect(reply?.code).toBe(Code.AccessAccept);
  expect(reply?.identifier).toBe(1);
  expect(server.counters.received).toBe(1);
});

it("keeps the newest packets when the hold is full", async () => {
  const { server, authPort, peer } = await start({ maxPackets: 2 });
  for (const id of [1, 2, 3]) peer.send(pap(id), authPort);
  await expect.poll(() => server.counters.received, { timeout: 10_000 }).toBe(3);
  expect(server.counters.droppedStarting).toBe(1);
  server.release();
  const ids = [];
  for (let i = 0; i < 2; i++) ids.push(decodePacket((await peer.receive(10_000)) ?? Buffer.alloc(0))?.identifier);
  expect(ids.sort()).toEqual([2, 3]);
  expect(await peer.receive(200)).toBeUndefined();
});

it("drops packets held past their age (the NAS retransmits) and answers the retransmission", async () => {
  const { server, authPort, peer } = await start({ maxAgeMs: 5000 });
  peer.send(pap(7), authPort);
  await expect.poll(() => server.counters.received, { timeout: 10_000 }).toBe(1);
  // The routes took longer than the NAS waits for an answer.
  const now = Date.now();
  vi.spyOn(Date, "now").mockReturnValue(now + 6000);
  server.release();
  vi.restoreAllMocks();
  expect(server.counters.droppedStarting).toBe(1);
  expect(await peer.receive(200)).toBeUndefined();
  const reply = decodePacket((await peer.exchange(pap(7), authPort, 10_000)) ?? Buffer.alloc(0));
  expect(reply?.code).toBe(Code.AccessAccept);
});

it("answers at once when not started held", async () => {
  const source = new MemoryDataSource();
  source.addNas({ nasId: "nas-1", tenantId: "t1", address: "127.0.0.1", secret: SECRET });
  source.addSubscriber("t1", { username: "ann", password: "ann-pass", status: "active" });
  const server = new RadiusServer({ dataSource: source, host: "127.0.0.1", authPort: 0, acctPort: 0 });
  servers.push(server);
  const { authPort } = await server.start();
  expect(server.ready).toBe(true);
  const peer = await UdpPeer.open();
  peers.push(peer);
  const reply = decodePacket((await peer.exchange(pap(9), authPort, 10_000)) ?? Buffer.alloc(0));
  expect(reply?.code).toBe(Code.AccessAccept);
});
