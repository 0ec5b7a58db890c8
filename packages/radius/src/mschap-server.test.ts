import { randomBytes } from "node:crypto";
import radius from "radius";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type AttributeList, bufferAttr, Code, decodePacket, encodeRequest, stringAttr, vendorAttrs } from "./codec.ts";
import {
  buildMsChap2Response,
  decryptMppeKey,
  generateAuthenticatorResponse,
  generateNtResponse,
  mppeKeys,
  ntPasswordHash,
} from "./mschap.ts";
import { SECRET, startTestServer, type TestServer } from "./testing/fixtures.ts";
import { UdpPeer } from "./testing/udp-client.ts";

let t: TestServer;
let peer: UdpPeer;

beforeAll(async () => {
  t = await startTestServer((s) => {
    s.addSubscriber("t1", { username: "nt-user", ntHash: ntPasswordHash("Pässwörd"), status: "active" });
  });
});
afterAll(() => t.stop());
afterEach(() => peer?.close());

/** What a MikroTik PPPoE server sends for an MS-CHAPv2 login (RFC 2548 2.3.2 / RFC 2759). */
function msChapRequest(user: string, password: string) {
  const challenge = randomBytes(16);
  const peerChallenge = randomBytes(16);
  const ident = 7;
  const ntResponse = generateNtResponse(challenge, peerChallenge, user, ntPasswordHash(password));
  const attributes: AttributeList = [
    ["User-Name", user],
    ["NAS-Identifier", "mt-1"],
    [
      "Vendor-Specific",
      311,
      [
        ["MS-CHAP-Challenge", challenge],
        ["MS-CHAP2-Response", buildMsChap2Response(ident, peerChallenge, ntResponse)],
      ],
    ],
  ];
  const packet = encodeRequest({ code: Code.AccessRequest, identifier: 42, secret: SECRET, attributes });
  return { packet, challenge, peerChallenge, ntResponse, ident };
}

describe("MS-CHAPv2 with a pure TypeScript client", () => {
  it("accepts and proves the server knows the password (MS-CHAP2-Success, MPPE keys)", async () => {
    peer = await UdpPeer.open();
    const req = msChapRequest("alice", "alice-pass");
    const raw = await peer.exchange(req.packet, t.authPort);
    if (!raw) throw new Error("no reply");
    // The npm radius package checks the Response Authenticator and Message-Authenticator independently.
    expect(radius.verify_response({ request: req.packet, response: Buffer.from(raw), secret: SECRET })).toBe(true);
    const reply = decodePacket(raw);
    expect(reply?.code).toBe(Code.AccessAccept);
    const vsa = vendorAttrs(reply?.attributes ?? {});
    const success = bufferAttr(vsa, "MS-CHAP2-Success");
    const hash = ntPasswordHash("alice-pass");
    const expected = generateAuthenticatorResponse(hash, req.ntResponse, req.peerChallenge, req.challenge, "alice");
    expect(success?.[0]).toBe(req.ident);
    expect(success?.subarray(1).toString("ascii")).toBe(expected);
    const requestAuth = req.packet.subarray(4, 20);
    const keys = mppeKeys(hash, req.ntResponse);
    const send = bufferAttr(vsa, "MS-MPPE-Send-Key");
    const recv = bufferAttr(vsa, "MS-MPPE-Recv-Key");
    if (!send || !recv) throw new Error("MPPE keys missing");
    expect(send.subarray(0, 2)).not.toEqual(recv.subarray(0, 2));
    expect(decryptMppeKey(send, SECRET, requestAuth)).toEqual(keys.send);
    expect(decryptMppeKey(recv, SECRET, requestAuth)).toEqual(keys.recv);
    expect(t.source.authLog.at(-1)).toMatchObject({ username: "alice", method: "mschapv2", accepted: true });
  });

  it("works from a stored NT hash with a non-ASCII password", async () => {
    peer = await UdpPeer.open();
    const raw = await peer.exchange(msChapRequest("nt-user", "Pässwörd").packet, t.authPort);
    expect(decodePacket(raw ?? Buffer.alloc(0))?.code).toBe(Code.AccessAccept);
  });

  it("rejects a wrong password with MS-CHAP-Error E=691", async () => {
    peer = await UdpPeer.open();
    const req = msChapRequest("alice", "not-alice");
    const raw = await peer.exchange(req.packet, t.authPort);
    if (!raw) throw new Error("no reply");
    expect(radius.verify_response({ request: req.packet, response: Buffer.from(raw), secret: SECRET })).toBe(true);
    const reply = decodePacket(raw);
    expect(reply?.code).toBe(Code.AccessReject);
    const err = bufferAttr(vendorAttrs(reply?.attributes ?? {}), "MS-CHAP-Error");
    const errText = err
      ? err.subarray(1).toString("ascii")
      : stringAttr(vendorAttrs(reply?.attributes ?? {}), "MS-CHAP-Error");
    expect(errText).toContain("E=691");
    expect(t.source.authLog.at(-1)).toMatchObject({ username: "alice", reason: "wrong_password" });
  });
});
