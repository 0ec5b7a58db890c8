import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { Code, decodePacket, encodeRequest, verifyResponse } from "./codec.ts";
import type { AccountingRecord } from "./data-source.ts";
import { SECRET, startTestServer, type TestServer } from "./testing/fixtures.ts";
import { radclient, requireRadclient } from "./testing/radclient.ts";
import { UdpPeer } from "./testing/udp-client.ts";

let t: TestServer;
let p: UdpPeer | undefined;

beforeAll(async () => {
  t = await startTestServer((s) => {
    s.addSubscriber("t1", { username: "carol", password: "carol-pass", status: "active", framedPool: "p" });
    s.addPool("t1", "p", ["100.64.9.1"]);
  });
});
afterAll(() => t.stop());

// Not a skip condition: without radclient every test below fails with the install hint.
it("has FreeRADIUS radclient installed (Debian freeradius-utils)", () => {
  expect(requireRadclient()).toMatch(/radclient$/);
});
afterEach(() => {
  p?.close();
  p = undefined;
  t.source.accountingHook = undefined;
});

const session = (status: string, extra = "") =>
  `User-Name = "alice"\nAcct-Status-Type = ${status}\nAcct-Session-Id = "sess-1"\nNAS-IP-Address = 10.0.0.1\n` +
  `Framed-IP-Address = 100.64.0.10\nCalling-Station-Id = "aa:bb:cc:00:00:01"\n${extra}`;

function acct(packets: string[]) {
  return radclient({ port: t.acctPort, type: "acct", secret: SECRET, packets });
}

describe("accounting through radclient", () => {
  it("records Start, Interim-Update and Stop with counters including gigawords", async () => {
    const r = await acct([
      session("Start"),
      session(
        "Interim-Update",
        "Acct-Session-Time = 60\nAcct-Input-Octets = 1000\nAcct-Output-Octets = 2000\nAcct-Input-Packets = 10\nAcct-Output-Packets = 20",
      ),
      session(
        "Stop",
        "Acct-Session-Time = 120\nAcct-Input-Octets = 5\nAcct-Input-Gigawords = 1\nAcct-Output-Octets = 7\nAcct-Terminate-Cause = User-Request\nMessage-Authenticator = 0x00",
      ),
    ]);
    expect(r.replies.map((x) => x.code)).toEqual(["Accounting-Response", "Accounting-Response", "Accounting-Response"]);
    const records = t.source.accounting.filter((a) => a.sessionId === "sess-1");
    expect(records.map((a) => a.status)).toEqual(["Start", "Interim-Update", "Stop"]);
    expect(records[1]).toMatchObject({
      tenantId: "t1",
      nasId: "nas-1",
      nasAddress: "127.0.0.1",
      username: "alice",
      nasIpAddress: "10.0.0.1",
      framedIp: "100.64.0.10",
      callingStationId: "aa:bb:cc:00:00:01",
      sessionTime: 60,
      inputOctets: 1000,
      outputOctets: 2000,
      inputPackets: 10,
      outputPackets: 20,
    });
    expect(records[2]).toMatchObject({ inputOctets: 2 ** 32 + 5, outputOctets: 7, terminateCause: "User-Request" });
  });

  it("records Accounting-On and Accounting-Off", async () => {
    const r = await acct([
      'Acct-Status-Type = Accounting-On\nNAS-IP-Address = 10.0.0.1\nAcct-Session-Id = "on-1"',
      'Acct-Status-Type = Accounting-Off\nNAS-IP-Address = 10.0.0.1\nAcct-Session-Id = "off-1"',
    ]);
    expect(r.replies).toHaveLength(2);
    const kinds = t.source.accounting.filter((a) => a.sessionId === "on-1" || a.sessionId === "off-1");
    expect(kinds.map((a) => a.status)).toEqual(["Accounting-On", "Accounting-Off"]);
  });

  it("releases a pool address on Stop", async () => {
    const auth = await radclient({
      port: t.authPort,
      type: "auth",
      secret: SECRET,
      packets: ['User-Name = "carol"\nUser-Password = "carol-pass"\nMessage-Authenticator = 0x00'],
    });
    expect(auth.replies[0]?.attributes["Framed-IP-Address"]).toEqual(["100.64.9.1"]);
    await acct([
      'User-Name = "carol"\nAcct-Status-Type = Stop\nAcct-Session-Id = "c1"\nFramed-IP-Address = 100.64.9.1',
    ]);
    expect(t.source.allocateIp("t1", "p", "dave")).toBe("100.64.9.1");
  });
});

function accountingRequest(sessionId: string): Buffer {
  return encodeRequest({
    code: Code.AccountingRequest,
    identifier: 5,
    secret: SECRET,
    attributes: [
      ["User-Name", "alice"],
      ["Acct-Status-Type", "Start"],
      ["Acct-Session-Id", sessionId],
    ],
  });
}

describe("acknowledgement only after the sink", () => {
  it("holds the Accounting-Response until the sink resolves", async () => {
    let release: (() => void) | undefined;
    const stored: AccountingRecord[] = [];
    t.source.accountingHook = (record) =>
      new Promise<void>((resolve) => {
        stored.push(record);
        release = resolve;
      });
    p = await UdpPeer.open();
    const req = accountingRequest("slow-1");
    p.send(req, t.acctPort);
    expect(await p.receive(300)).toBeUndefined();
    expect(stored).toHaveLength(1);
    // A retransmission while the write is pending is neither answered nor recorded twice.
    p.send(req, t.acctPort);
    expect(await p.receive(200)).toBeUndefined();
    expect(stored).toHaveLength(1);
    release?.();
    const reply = await p.receive(1000);
    expect(reply && decodePacket(reply)?.code).toBe(Code.AccountingResponse);
    expect(reply && verifyResponse(reply, req.subarray(4, 20), SECRET)).toBe(true);
  });

  it("does not answer when the sink fails, and records the retransmission", async () => {
    let fail = true;
    t.source.accountingHook = async () => {
      if (fail) throw new Error("queue full");
    };
    p = await UdpPeer.open();
    const req = accountingRequest("fail-1");
    const failures = t.server.counters.accountingSinkFailures;
    expect(await p.exchange(req, t.acctPort, 300)).toBeUndefined();
    expect(t.server.counters.accountingSinkFailures).toBe(failures + 1);
    fail = false;
    const reply = await p.exchange(req, t.acctPort);
    expect(reply && decodePacket(reply)?.code).toBe(Code.AccountingResponse);
    expect(t.source.accounting.filter((a) => a.sessionId === "fail-1")).toHaveLength(1);
  });

  it("answers a duplicate after completion from the cache", async () => {
    p = await UdpPeer.open();
    const req = accountingRequest("dup-1");
    const first = await p.exchange(req, t.acctPort);
    const second = await p.exchange(req, t.acctPort);
    expect(second).toEqual(first);
    expect(t.source.accounting.filter((a) => a.sessionId === "dup-1")).toHaveLength(1);
  });
});
