import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AttributeList, Code, decodePacket, encodeRequest, encryptUserPassword, verifyResponse } from "./codec.ts";
import { SECRET, startTestServer, type TestServer } from "./testing/fixtures.ts";
import { radclient, requireRadclient } from "./testing/radclient.ts";
import { UdpPeer } from "./testing/udp-client.ts";

let t: TestServer;
let peers: UdpPeer[] = [];

beforeAll(async () => {
  t = await startTestServer((s) => {
    // Two NAS behind one address (127.0.0.3), told apart by NAS-Identifier, in different tenants.
    s.addNas({ nasId: "nas-a", tenantId: "ta", address: "127.0.0.3", identifier: "site-a", secret: "secret-a" });
    s.addNas({ nasId: "nas-b", tenantId: "tb", address: "127.0.0.3", identifier: "site-b", secret: "secret-b" });
    s.addSubscriber("ta", { username: "same", password: "pass-a", status: "active", rateLimit: "1M/1M" });
    s.addSubscriber("tb", { username: "same", password: "pass-b", status: "active", rateLimit: "2M/2M" });
    s.addNas({
      nasId: "legacy",
      tenantId: "t1",
      address: "127.0.0.4",
      secret: SECRET,
      requireMessageAuthenticator: false,
    });
  });
});
afterAll(() => t.stop());

// Not a skip condition: without radclient every test below fails with the install hint.
it("has FreeRADIUS radclient installed (Debian freeradius-utils)", () => {
  expect(requireRadclient()).toMatch(/radclient$/);
});
afterEach(() => {
  for (const p of peers) p.close();
  peers = [];
});

async function peer(address = "127.0.0.1"): Promise<UdpPeer> {
  const p = await UdpPeer.open(address);
  peers.push(p);
  return p;
}

function papRequest(args: {
  user: string;
  password: string;
  secret?: string;
  nasIdentifier?: string;
  messageAuthenticator?: boolean;
  identifier?: number;
}): Buffer {
  const secret = args.secret ?? SECRET;
  const authenticator = Buffer.alloc(16, 0x5a);
  authenticator.writeUInt32BE(Math.floor(Math.random() * 2 ** 32));
  const attributes: AttributeList = [
    ["User-Name", args.user],
    ["User-Password", encryptUserPassword(Buffer.from(args.password), secret, authenticator)],
  ];
  if (args.nasIdentifier) attributes.push(["NAS-Identifier", args.nasIdentifier]);
  return encodeRequest({
    code: Code.AccessRequest,
    identifier: args.identifier ?? 1,
    secret,
    authenticator,
    messageAuthenticator: args.messageAuthenticator ?? true,
    attributes,
  });
}

const pap = (user: string, password: string) =>
  `User-Name = "${user}"\nUser-Password = "${password}"\nMessage-Authenticator = 0x00`;

describe("who may talk to the daemon", () => {
  it("drops and counts an Access-Request without Message-Authenticator (radclient)", async () => {
    const before = t.server.counters.droppedMissingMessageAuthenticator;
    const r = await radclient({
      port: t.authPort,
      type: "auth",
      secret: SECRET,
      packets: ['User-Name = "alice"\nUser-Password = "alice-pass"'],
      retries: 1,
      timeoutSeconds: 1,
    });
    expect(r.replies).toHaveLength(0);
    expect(r.noReply).toBe(1);
    expect(t.server.counters.droppedMissingMessageAuthenticator).toBeGreaterThan(before);
  });

  it("answers a NAS whose Message-Authenticator requirement is switched off", async () => {
    const p = await peer("127.0.0.4");
    const req = papRequest({ user: "alice", password: "alice-pass", messageAuthenticator: false });
    const reply = await p.exchange(req, t.authPort);
    expect(reply && decodePacket(reply)?.code).toBe(Code.AccessAccept);
    // BlastRADIUS: the reply still carries Message-Authenticator, as the first attribute.
    expect(reply?.[20]).toBe(80);
  });

  it("drops a bad Message-Authenticator even when not required", async () => {
    const p = await peer("127.0.0.4");
    const req = papRequest({ user: "alice", password: "alice-pass" });
    req[25] = (req[25] ?? 0) ^ 0xff;
    const before = t.server.counters.droppedBadMessageAuthenticator;
    expect(await p.exchange(req, t.authPort, 300)).toBeUndefined();
    expect(t.server.counters.droppedBadMessageAuthenticator).toBe(before + 1);
  });

  it("drops requests signed with the wrong secret (radclient, auth and accounting)", async () => {
    const before = { ...t.server.counters };
    const auth = await radclient({
      port: t.authPort,
      type: "auth",
      secret: "wrong-secret",
      packets: [pap("alice", "alice-pass")],
      retries: 1,
      timeoutSeconds: 1,
    });
    expect(auth.replies).toHaveLength(0);
    const acct = await radclient({
      port: t.acctPort,
      type: "acct",
      secret: "wrong-secret",
      packets: ['User-Name = "alice"\nAcct-Status-Type = Start\nAcct-Session-Id = "x1"'],
      retries: 1,
      timeoutSeconds: 1,
    });
    expect(acct.replies).toHaveLength(0);
    expect(t.server.counters.droppedBadMessageAuthenticator).toBeGreaterThan(before.droppedBadMessageAuthenticator);
    expect(t.server.counters.droppedBadAuthenticator).toBeGreaterThan(before.droppedBadAuthenticator);
    expect(t.source.accounting.some((a) => a.sessionId === "x1")).toBe(false);
  });

  it("drops and counts an unknown NAS", async () => {
    const p = await peer("127.0.0.2");
    const before = t.server.counters.droppedUnknownNas;
    expect(await p.exchange(papRequest({ user: "alice", password: "alice-pass" }), t.authPort, 300)).toBeUndefined();
    expect(t.server.counters.droppedUnknownNas).toBe(before + 1);
  });

  it("routes by NAS-Identifier when NAS share an address, keeping tenants apart", async () => {
    const p = await peer("127.0.0.3");
    const a = await p.exchange(
      papRequest({ user: "same", password: "pass-a", secret: "secret-a", nasIdentifier: "site-a" }),
      t.authPort,
    );
    expect(a && decodePacket(a)?.code).toBe(Code.AccessAccept);
    // Tenant B's password through tenant A's NAS is wrong: same username, different subscriber.
    const crossed = await p.exchange(
      papRequest({ user: "same", password: "pass-b", secret: "secret-a", nasIdentifier: "site-a" }),
      t.authPort,
    );
    expect(crossed && decodePacket(crossed)?.code).toBe(Code.AccessReject);
    const b = await p.exchange(
      papRequest({ user: "same", password: "pass-b", secret: "secret-b", nasIdentifier: "site-b" }),
      t.authPort,
    );
    expect(b && decodePacket(b)?.code).toBe(Code.AccessAccept);
    expect(t.source.authLog.filter((e) => e.username === "same").map((e) => [e.tenantId, e.accepted])).toEqual([
      ["ta", true],
      ["ta", false],
      ["tb", true],
    ]);
  });

  it("drops a shared address without a matching NAS-Identifier", async () => {
    const p = await peer("127.0.0.3");
    const before = t.server.counters.droppedUnknownNas;
    const req = papRequest({ user: "same", password: "pass-a", secret: "secret-a", nasIdentifier: "site-z" });
    expect(await p.exchange(req, t.authPort, 300)).toBeUndefined();
    expect(t.server.counters.droppedUnknownNas).toBe(before + 1);
  });

  it("honours a NAS added and removed at run time", async () => {
    const p = await peer("127.0.0.5");
    const req = () => papRequest({ user: "alice", password: "alice-pass" });
    expect(await p.exchange(req(), t.authPort, 300)).toBeUndefined();
    t.source.addNas({ nasId: "late", tenantId: "t1", address: "127.0.0.5", secret: SECRET });
    const reply = await p.exchange(req(), t.authPort);
    expect(reply && decodePacket(reply)?.code).toBe(Code.AccessAccept);
    t.source.removeNas("late");
    expect(await p.exchange(req(), t.authPort, 300)).toBeUndefined();
  });
});

describe("duplicates", () => {
  it("answers a retransmission from the cache without evaluating it again", async () => {
    const p = await peer();
    const req = papRequest({ user: "alice", password: "alice-pass", identifier: 99 });
    const logged = t.source.authLog.length;
    const dups = t.server.counters.duplicates;
    const first = await p.exchange(req, t.authPort);
    const second = await p.exchange(req, t.authPort);
    expect(first).toBeDefined();
    expect(second).toEqual(first);
    expect(t.source.authLog.length).toBe(logged + 1);
    expect(t.server.counters.duplicates).toBe(dups + 1);
    expect(first && verifyResponse(first, req.subarray(4, 20), SECRET)).toBe(true);
  });

  it("evaluates the same identifier with a new authenticator", async () => {
    const p = await peer();
    const logged = t.source.authLog.length;
    await p.exchange(papRequest({ user: "alice", password: "alice-pass", identifier: 7 }), t.authPort);
    await p.exchange(papRequest({ user: "alice", password: "alice-pass", identifier: 7 }), t.authPort);
    expect(t.source.authLog.length).toBe(logged + 2);
  });
});

describe("malformed and hostile packets", () => {
  /** Small deterministic PRNG so a failure can be replayed. */
  function rng(seed: number) {
    let s = seed >>> 0;
    return () => {
      s = (s * 1664525 + 1013904223) >>> 0;
      return s / 2 ** 32;
    };
  }

  it("drops garbage and truncated packets and keeps answering", async () => {
    const p = await peer();
    const valid = papRequest({ user: "alice", password: "alice-pass" });
    const before = t.server.counters.droppedMalformed;
    const cases: Buffer[] = [
      Buffer.alloc(0),
      Buffer.from([1]),
      Buffer.alloc(19, 1),
      valid.subarray(0, valid.length - 3), // Length field larger than the datagram
      Buffer.concat([valid.subarray(0, 2), Buffer.from([0x00, 0x05]), valid.subarray(4)]), // Length < 20
      Buffer.concat([valid.subarray(0, 2), Buffer.from([0x10, 0x01]), valid.subarray(4)]), // Length > 4096
      (() => {
        const b = Buffer.from(valid);
        b[21] = 1; // attribute length 1
        return b;
      })(),
      (() => {
        const b = Buffer.from(valid);
        b[21] = 250; // attribute runs past the packet
        return b;
      })(),
    ];
    for (const c of cases) p.send(c, t.authPort);
    for (const c of cases) p.send(c, t.acctPort);
    const reply = await p.exchange(valid, t.authPort);
    expect(reply && decodePacket(reply)?.code).toBe(Code.AccessAccept);
    expect(t.server.counters.droppedMalformed).toBeGreaterThanOrEqual(before + cases.length * 2 - 2);
  });

  it("survives random and mutated packets, then still answers", async () => {
    const p = await peer();
    const next = rng(20_240_709);
    const base = papRequest({ user: "alice", password: "alice-pass" });
    const errorsBefore = t.server.counters.errors;
    for (let i = 0; i < 3000; i++) {
      let pkt: Buffer;
      if (i % 3 === 0) {
        pkt = Buffer.alloc(Math.floor(next() * 300));
        for (let j = 0; j < pkt.length; j++) pkt[j] = Math.floor(next() * 256);
        if (pkt.length > 0 && i % 2 === 0) pkt[0] = 1 + Math.floor(next() * 5);
      } else {
        pkt = Buffer.from(base);
        const flips = 1 + Math.floor(next() * 4);
        for (let f = 0; f < flips; f++) pkt[Math.floor(next() * pkt.length)] = Math.floor(next() * 256);
      }
      p.send(pkt, i % 2 === 0 ? t.authPort : t.acctPort);
      // Pace the flood so the kernel's socket buffer (not the daemon) is not what drops packets.
      if (i % 50 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    const p2 = await peer();
    const valid = papRequest({ user: "alice", password: "alice-pass", identifier: 200 });
    // UDP: retransmit like a NAS would; the first copy may still sit behind the flood.
    let reply: Buffer | undefined;
    for (let attempt = 0; attempt < 3 && !reply; attempt++) reply = await p2.exchange(valid, t.authPort, 2000);
    expect(reply && decodePacket(reply)?.code).toBe(Code.AccessAccept);
    expect(t.server.counters.errors).toBe(errorsBefore);
  });

  it("drops packet types a port does not serve", async () => {
    const p = await peer();
    const before = t.server.counters.droppedUnsupportedCode;
    const accessOnAcct = papRequest({ user: "alice", password: "alice-pass" });
    expect(await p.exchange(accessOnAcct, t.acctPort, 300)).toBeUndefined();
    const accept = Buffer.from(accessOnAcct);
    accept[0] = Code.AccessAccept;
    expect(await p.exchange(accept, t.authPort, 300)).toBeUndefined();
    expect(t.server.counters.droppedUnsupportedCode).toBe(before + 2);
  });
});
