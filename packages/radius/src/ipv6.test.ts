import { describe, expect, it } from "vitest";
import { parseAccounting } from "./accounting.ts";
import { Code, decodePacket, encodeRequest } from "./codec.ts";
import {
  formatIpv6,
  ipv6Bytes,
  parseIpv6Prefix,
  prefixAttribute,
  readInterfaceId,
  readPrefixAttribute,
} from "./ipv6.ts";

describe("IPv6 text and RADIUS prefix octets", () => {
  it("round-trips addresses to RFC 5952 text", () => {
    for (const [input, text] of [
      ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
      ["::", "::"],
      ["::1", "::1"],
      ["2001:db8:0:1:0:0:0:0", "2001:db8:0:1::"],
      ["2001:db8::ffff:1.2.3.4", "2001:db8::ffff:102:304"],
      ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ] as const) {
      const bytes = ipv6Bytes(input);
      expect(bytes && formatIpv6(bytes), input).toBe(text);
    }
    expect(ipv6Bytes("10.0.0.1")).toBeUndefined();
    expect(ipv6Bytes("2001:db8::g")).toBeUndefined();
  });

  it("refuses prefixes with host bits or a bad length", () => {
    expect(parseIpv6Prefix("2001:db8::/32")?.length).toBe(32);
    expect(parseIpv6Prefix("2001:db8::1/64")).toBeUndefined();
    expect(parseIpv6Prefix("2001:db8::/129")).toBeUndefined();
    expect(parseIpv6Prefix("2001:db8::")).toBeUndefined();
  });

  it("writes only the significant octets and reads them back, ignoring stray low bits", () => {
    const v = prefixAttribute("2001:db8:12:3400::/56");
    expect(v?.toString("hex")).toBe("003820010db8001234");
    expect(v && readPrefixAttribute(v)).toBe("2001:db8:12:3400::/56");
    expect(readPrefixAttribute(Buffer.from("0030200101", "hex"))).toBeUndefined();
    expect(readPrefixAttribute(Buffer.from("00302001ffffffff", "hex"))).toBe("2001:ffff:ffff::/48");
    expect(readInterfaceId(Buffer.from("020000fffe000001", "hex"))).toBe("200:ff:fe00:1");
  });

  it("accounting keeps Framed-IPv6-Prefix, Delegated-IPv6-Prefix and Framed-Interface-Id", () => {
    const raw = encodeRequest({
      code: Code.AccountingRequest,
      identifier: 1,
      secret: "s",
      attributes: [
        ["Acct-Status-Type", "Start"],
        ["User-Name", "v6"],
        ["Acct-Session-Id", "s6"],
        ["Framed-Interface-Id", Buffer.from("020000fffe000001", "hex")],
        ["Framed-IPv6-Prefix", prefixAttribute("2001:db8:0:7::/64") ?? Buffer.alloc(0)],
        ["Delegated-IPv6-Prefix", prefixAttribute("2001:db8:100:700::/56") ?? Buffer.alloc(0)],
      ],
    });
    const p = decodePacket(raw);
    if (!p) throw new Error("not decodable");
    const nas = { nasId: "n", tenantId: "t", secret: "s", requireMessageAuthenticator: false };
    const r = parseAccounting(p, nas, "127.0.0.1", new Date());
    expect(r).toMatchObject({
      framedIpv6Prefix: "2001:db8:0:7::/64",
      delegatedIpv6Prefix: "2001:db8:100:700::/56",
      framedInterfaceId: "200:ff:fe00:1",
    });
  });
});
