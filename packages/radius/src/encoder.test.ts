import radius from "radius";
import { describe, expect, it } from "vitest";
import {
  type AttributeList,
  Code,
  encodeResponse,
  encodeResponseWithPackage,
  encoderStats,
  verifyResponse,
} from "./codec.ts";

const requestAuthenticator = Buffer.from("00112233445566778899aabbccddeeff", "hex");
const secret = "s3cret-for-encoder";

/** Encodes with both paths; `fellBack` says whether ours had to use the package. */
function both(code: number, attributes: AttributeList, proxyState?: Buffer[]) {
  const args = {
    code,
    identifier: 77,
    requestAuthenticator,
    secret,
    attributes,
    ...(proxyState ? { proxyState } : {}),
  };
  const before = encoderStats.fallbacks;
  const ours = encodeResponse(args);
  const fellBack = encoderStats.fallbacks !== before;
  return { ours, reference: encodeResponseWithPackage(args), fellBack };
}

describe("reply encoder", () => {
  it("writes an MS-CHAPv2 Access-Accept byte-equal to radius.encode, MPPE keys and all", () => {
    const { ours, reference, fellBack } = both(Code.AccessAccept, [
      ["Vendor-Specific", 14988, [["Mikrotik-Rate-Limit", "10M/20M"]]],
      ["Framed-IP-Address", "100.64.3.17"],
      ["Session-Timeout", 86_399],
      ["Acct-Interim-Interval", 300],
      [
        "Vendor-Specific",
        311,
        [
          ["MS-CHAP2-Success", Buffer.concat([Buffer.from([7]), Buffer.from(`S=${"A1".repeat(20)}`, "ascii")])],
          ["MS-MPPE-Recv-Key", Buffer.alloc(34, 0x5a)],
          ["MS-MPPE-Send-Key", Buffer.alloc(34, 0xa5)],
          ["MS-MPPE-Encryption-Policy", 1],
          ["MS-MPPE-Encryption-Types", 6],
        ],
      ],
    ]);
    expect(fellBack).toBe(false);
    expect(ours.equals(reference)).toBe(true);
    expect(verifyResponse(ours, requestAuthenticator, secret)).toBe(true);
    const decoded = radius.decode({ packet: ours, secret });
    expect(decoded.code).toBe("Access-Accept");
    expect(decoded.attributes["Framed-IP-Address"]).toBe("100.64.3.17");
  });

  it("writes an Access-Reject with Reply-Message and MS-CHAP-Error byte-equal", () => {
    const { ours, reference, fellBack } = both(Code.AccessReject, [
      ["Reply-Message", "Authentication failed — ünïcode"],
      ["Vendor-Specific", 311, [["MS-CHAP-Error", Buffer.from("\x01E=691 R=0 V=3", "latin1")]]],
    ]);
    expect(fellBack).toBe(false);
    expect(ours.equals(reference)).toBe(true);
    expect(ours[20]).toBe(80); // Message-Authenticator first (BlastRADIUS)
  });

  it("writes an Accounting-Response with Proxy-State byte-equal", () => {
    const proxy = [Buffer.from("proxy-one"), Buffer.alloc(40, 3)];
    const { ours, reference, fellBack } = both(Code.AccountingResponse, [], proxy);
    expect(fellBack).toBe(false);
    expect(ours.equals(reference)).toBe(true);
    expect(ours.length).toBe(20 + 18 + 11 + 42);
    expect(verifyResponse(ours, requestAuthenticator, secret)).toBe(true);
  });

  it("writes CoA/Disconnect answers, enum names and dates byte-equal", () => {
    for (const code of [Code.CoaAck, Code.DisconnectNak]) {
      const { ours, reference, fellBack } = both(code, [
        ["Error-Cause", "Session-Context-Not-Found"],
        ["Event-Timestamp", new Date(1_700_000_000_000)],
        ["Reply-Message", ""],
        [33, Buffer.from("raw")],
      ]);
      expect(fellBack).toBe(false);
      expect(ours.equals(reference)).toBe(true);
    }
  });

  it("falls back to the package for what it does not write, with the same result", () => {
    // A tagged attribute is outside the fast path; the reply must still come out right.
    const attributes: AttributeList = [["Tunnel-Type", 3]];
    const { ours, reference, fellBack } = both(Code.AccessAccept, attributes);
    expect(fellBack).toBe(true);
    expect(ours.equals(reference)).toBe(true);
  });

  it("refuses an over-long string attribute the way the package does", () => {
    expect(() => both(Code.AccessReject, [["Reply-Message", "x".repeat(300)]]).ours).toThrow();
  });
});
