import { type ChildProcess, spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code, decodePacket, encodeRequest, encryptUserPassword, verifyResponse } from "./codec.ts";
import { FairQueue } from "./fair-queue.ts";
import { MemoryDataSource } from "./memory-source.ts";
import { RadiusServer } from "./server.ts";
import { SECRET, startTestServer, type TestServer } from "./testing/fixtures.ts";
import { radclient } from "./testing/radclient.ts";
import { UdpPeer } from "./testing/udp-client.ts";

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.stop());

function statusServer(secret: string, withMa = true): Buffer {
  return encodeRequest({
    code: Code.StatusServer,
    identifier: 9,
    secret,
    attributes: [],
    messageAuthenticator: withMa,
  });
}

describe("Status-Server (RFC 5997)", () => {
  it("answers radclient's Status-Server on the auth port with a signed Access-Accept", async () => {
    const r = await radclient({
      port: t.authPort,
      type: "status",
      secret: SECRET,
      packets: ["Message-Authenticator = 0x00"],
    });
    expect(
      r.replies.map((x) => x.code),
      r.stdout + r.stderr,
    ).toEqual(["Access-Accept"]);
  });

  it("answers on the accounting port with an Accounting-Response that verifies", async () => {
    const p = await UdpPeer.open();
    try {
      const req = statusServer(SECRET);
      const reply = await p.exchange(req, t.acctPort);
      expect(reply && decodePacket(reply)?.code).toBe(Code.AccountingResponse);
      expect(reply && verifyResponse(reply, req.subarray(4, 20), SECRET)).toBe(true);
    } finally {
      p.close();
    }
  });

  it("ignores Status-Server without a Message-Authenticator, with a wrong one, or from an unknown NAS", async () => {
    const before = { ...t.server.counters };
    const known = await UdpPeer.open();
    const stranger = await UdpPeer.open("127.0.0.9");
    try {
      expect(await known.exchange(statusServer(SECRET, false), t.authPort, 300)).toBeUndefined();
      expect(await known.exchange(statusServer("not-the-secret"), t.authPort, 300)).toBeUndefined();
      expect(await stranger.exchange(statusServer(SECRET), t.authPort, 300)).toBeUndefined();
    } finally {
      known.close();
      stranger.close();
    }
    const c = t.server.counters;
    expect(c.droppedMissingMessageAuthenticator).toBe(before.droppedMissingMessageAuthenticator + 1);
    expect(c.droppedBadMessageAuthenticator).toBe(before.droppedBadMessageAuthenticator + 1);
    expect(c.droppedUnknownNas).toBe(before.droppedUnknownNas + 1);
    expect(c.statusServer).toBe(before.statusServer);
  });
});

describe("per-tenant fair queue", () => {
  it("serves tenants in turn and bounds each tenant separately", () => {
    const q = new FairQueue<string>(3);
    for (let i = 0; i < 5; i++) q.push("a", `a${i}`);
    expect(q.pendingFor("a")).toBe(3);
    expect(q.push("b", "b0")).toBe(true);
    expect(q.push("b", "b1")).toBe(true);
    const order: string[] = [];
    for (let x = q.shift(); x !== undefined; x = q.shift()) order.push(x);
    expect(order).toEqual(["a0", "b0", "a1", "b1", "a2"]);
    expect(q.size).toBe(0);
  });

  /**
   * Tenant A's NAS floods from another process (so the flood does not share this event loop);
   * tenant B's NAS must still get its answers, and the overflow is charged to A only.
   */
  it("keeps answering tenant B while tenant A floods, dropping only A's overflow", async () => {
    const source = new MemoryDataSource();
    source.addNas({ nasId: "flooder", tenantId: "tenant-a", address: "127.0.0.5", secret: "flood-secret" });
    source.addNas({ nasId: "victim", tenantId: "tenant-b", address: "127.0.0.6", secret: "calm-secret" });
    source.addSubscriber("tenant-a", { username: "a", password: "a-pass", status: "active" });
    source.addSubscriber("tenant-b", { username: "b", password: "b-pass", status: "active" });
    // A short per-tenant queue so the flood overflows it quickly; the kernel buffer as the daemon sets it.
    const server = new RadiusServer({
      dataSource: source,
      host: "127.0.0.1",
      authPort: 0,
      acctPort: 0,
      perTenantQueue: 64,
      receiveBufferBytes: 4 * 1024 * 1024,
    });
    const { authPort } = await server.start();
    const flood = startFlood(authPort);
    try {
      await waitFor(() => (server.tenantQueueDrops.get("tenant-a") ?? 0) > 0, 15_000);
      const b = await UdpPeer.open("127.0.0.6");
      try {
        for (let i = 0; i < 10; i++) {
          const req = pap("b", "b-pass", "calm-secret", i);
          // Retransmitted like a NAS does (same packet): a loaded CI machine may lose one datagram.
          let reply: Buffer | undefined;
          for (let attempt = 0; attempt < 3 && !reply; attempt++) reply = await b.exchange(req, authPort, 2000);
          expect(reply, `request ${i} of tenant B`).toBeDefined();
          expect(reply && decodePacket(reply)?.code).toBe(Code.AccessAccept);
        }
      } finally {
        b.close();
      }
      expect(server.tenantQueueDrops.get("tenant-a")).toBeGreaterThan(0);
      expect(server.tenantQueueDrops.get("tenant-b")).toBeUndefined();
      expect(server.counters.droppedQueueFull).toBe(server.tenantQueueDrops.get("tenant-a"));
    } finally {
      flood.kill();
      await server.stop();
    }
  });
});

function pap(user: string, password: string, secret: string, id: number): Buffer {
  const authenticator = Buffer.alloc(16, id + 1);
  authenticator.writeUInt32BE(Math.floor(Math.random() * 2 ** 32));
  return encodeRequest({
    code: Code.AccessRequest,
    identifier: id,
    secret,
    authenticator,
    attributes: [
      ["User-Name", user],
      ["User-Password", encryptUserPassword(Buffer.from(password), secret, authenticator)],
    ],
  });
}

/**
 * A child process sending valid, distinct Access-Requests from 127.0.0.5 at ~25,000/s: more
 * than the daemon can evaluate, yet within what it can read, which is the case fairness is for
 * (beyond the read rate the kernel drops blindly, for any server).
 */
function startFlood(port: number): ChildProcess {
  const script = `
    const dgram = require("node:dgram");
    const crypto = require("node:crypto");
    const secret = "flood-secret";
    const packets = [];
    for (let i = 0; i < 4000; i++) {
      const auth = crypto.randomBytes(16);
      const pw = Buffer.alloc(16); Buffer.from("a-pass").copy(pw);
      const b = crypto.createHash("md5").update(secret).update(auth).digest();
      for (let j = 0; j < 16; j++) pw[j] ^= b[j];
      const user = Buffer.from("a");
      const len = 20 + 18 + 2 + user.length + 18;
      const p = Buffer.alloc(len);
      p[0] = 1; p[1] = i & 0xff; p.writeUInt16BE(len, 2); auth.copy(p, 4);
      let o = 20;
      p[o] = 80; p[o + 1] = 18; o += 18;
      p[o] = 1; p[o + 1] = user.length + 2; user.copy(p, o + 2); o += user.length + 2;
      p[o] = 2; p[o + 1] = 18; pw.copy(p, o + 2);
      crypto.createHmac("md5", secret).update(p).digest().copy(p, 22);
      packets.push(p);
    }
    const s = dgram.createSocket("udp4");
    s.bind(0, "127.0.0.5", () => {
      let i = 0;
      setInterval(() => {
        for (let k = 0; k < 50; k++) s.send(packets[i++ % packets.length], ${port}, "127.0.0.1");
      }, 2);
    });
  `;
  return spawn(process.execPath, ["-e", script], { stdio: "ignore" });
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
