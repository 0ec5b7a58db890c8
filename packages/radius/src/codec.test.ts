import radius from "radius";
import { describe, expect, it } from "vitest";
import {
  Code,
  checkMessageAuthenticator,
  decodePacket,
  decryptUserPassword,
  encodeRequest,
  encodeResponse,
  encryptUserPassword,
  verifyResponse,
} from "./codec.ts";
import { DuplicateCache } from "./dedup.ts";

const auth = Buffer.from("0123456789abcdef0123456789abcdef", "hex");

describe("codec", () => {
  it("hides and recovers User-Password of every length up to 128 octets", () => {
    for (const len of [1, 15, 16, 17, 31, 32, 100, 128]) {
      const pw = Buffer.alloc(len, 0x61);
      const hidden = encryptUserPassword(pw, "s", auth);
      expect(hidden.length % 16).toBe(0);
      expect(decryptUserPassword(hidden, "s", auth)).toEqual(pw);
    }
    expect(decryptUserPassword(Buffer.alloc(15), "s", auth)).toBeUndefined();
    expect(decryptUserPassword(Buffer.alloc(144), "s", auth)).toBeUndefined();
  });

  it("agrees with the radius package on User-Password hiding", () => {
    const pkt = radius.encode({ code: "Access-Request", secret: "s", attributes: [["User-Password", "hello-world"]] });
    const decoded = decodePacket(pkt);
    const value = decoded?.data.subarray(22, 22 + 16);
    expect(value && decryptUserPassword(value, "s", pkt.subarray(4, 20))?.toString()).toBe("hello-world");
  });

  it("puts Message-Authenticator first in replies and the radius package verifies them", () => {
    const request = encodeRequest({
      code: Code.AccessRequest,
      identifier: 3,
      secret: "s",
      attributes: [["User-Name", "u"]],
    });
    const decodedRequest = decodePacket(request);
    if (!decodedRequest) throw new Error("request did not decode");
    expect(checkMessageAuthenticator(decodedRequest, "s")).toBe("ok");
    const reply = encodeResponse({
      code: Code.AccessAccept,
      identifier: 3,
      requestAuthenticator: request.subarray(4, 20),
      secret: "s",
      attributes: [["Reply-Message", "hi"]],
      proxyState: [Buffer.from("ps")],
    });
    expect(reply[20]).toBe(80);
    expect(verifyResponse(reply, request.subarray(4, 20), "s")).toBe(true);
    expect(verifyResponse(reply, request.subarray(4, 20), "other")).toBe(false);
    expect(radius.verify_response({ request, response: Buffer.from(reply), secret: "s" })).toBe(true);
    expect(decodePacket(reply)?.attributes["Proxy-State"]).toEqual(Buffer.from("ps"));
  });

  it("rejects bad framing", () => {
    const ok = encodeRequest({
      code: Code.AccessRequest,
      identifier: 1,
      secret: "s",
      attributes: [["User-Name", "u"]],
    });
    expect(decodePacket(ok)).toBeDefined();
    expect(decodePacket(Buffer.concat([ok, Buffer.alloc(5)]))?.data.length).toBe(ok.length);
    const zeroLenAttr = Buffer.from(ok);
    zeroLenAttr[21] = 0;
    expect(decodePacket(zeroLenAttr)).toBeUndefined();
    const badCode = Buffer.from(ok);
    badCode[0] = 0;
    expect(decodePacket(badCode)).toBeUndefined();
  });
});

describe("DuplicateCache", () => {
  it("marks in-flight, returns the reply, expires after the window", () => {
    const c = new DuplicateCache(1000);
    const k = DuplicateCache.key("n", 1, 2, auth);
    expect(c.check(k, 0)).toBeUndefined();
    expect(c.check(k, 10)).toEqual({ reply: undefined });
    c.complete(k, Buffer.from("r"));
    expect(c.check(k, 20)).toEqual({ reply: Buffer.from("r") });
    expect(c.check(k, 1500)).toBeUndefined();
  });

  it("tells apart requests that differ only in NAS, code, identifier or authenticator", () => {
    const c = new DuplicateCache(1000);
    const base = DuplicateCache.key("n", 1, 2, auth);
    expect(c.check(base, 0)).toBeUndefined();
    c.complete(base, Buffer.from("r"));
    const other = Buffer.from(auth);
    other[15] = (other[15] ?? 0) ^ 1;
    for (const k of [
      DuplicateCache.key("m", 1, 2, auth),
      DuplicateCache.key("n", 4, 2, auth),
      DuplicateCache.key("n", 1, 3, auth),
      DuplicateCache.key("n", 1, 2, other),
    ]) {
      expect(c.check(k, 1)).toBeUndefined();
    }
    expect(c.check(DuplicateCache.key("n", 1, 2, Buffer.from(auth)), 2)).toEqual({ reply: Buffer.from("r") });
  });

  it("stays within its size bound", () => {
    const c = new DuplicateCache(60_000, 100);
    for (let i = 0; i < 1000; i++) c.check(DuplicateCache.key("n", 1, i % 256, Buffer.from(String(i))), 0);
    expect(c.size).toBeLessThanOrEqual(101);
  });
});
