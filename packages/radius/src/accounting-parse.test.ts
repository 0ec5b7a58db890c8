import { describe, expect, it } from "vitest";
import { parseAccounting } from "./accounting.ts";
import { Code, decodePacket, encodeRequest, numberAttr, stringAttr } from "./codec.ts";
import type { NasRecord } from "./data-source.ts";

const nas: NasRecord = { nasId: "n1", tenantId: "t1", secret: "s", requireMessageAuthenticator: false };
const at = new Date("2026-01-01T00:00:00Z");

function packet(attributes: Parameters<typeof encodeRequest>[0]["attributes"]) {
  const decoded = decodePacket(encodeRequest({ code: Code.AccountingRequest, identifier: 1, secret: "s", attributes }));
  if (!decoded) throw new Error("not decodable");
  return decoded;
}

describe("parseAccounting over raw attributes", () => {
  it("reads every radacct field as the dictionary decoder names and types them", () => {
    const p = packet([
      ["Acct-Status-Type", "Stop"],
      ["User-Name", "bob"],
      ["Acct-Session-Id", "sess-9"],
      ["Acct-Multi-Session-Id", "multi-9"],
      ["NAS-IP-Address", "10.1.2.3"],
      ["NAS-Port-Id", "ether1"],
      ["Framed-IP-Address", "100.64.0.7"],
      ["Calling-Station-Id", "AA-BB-CC-DD-EE-FF"],
      ["Acct-Session-Time", 3600],
      ["Acct-Input-Octets", 5],
      ["Acct-Input-Gigawords", 2],
      ["Acct-Output-Octets", 7],
      ["Acct-Output-Gigawords", 1],
      ["Acct-Input-Packets", 11],
      ["Acct-Output-Packets", 13],
      ["Acct-Delay-Time", 4],
      ["Acct-Terminate-Cause", "Lost-Carrier"],
    ]);
    const a = p.attributes;
    expect(parseAccounting(p, nas, "127.0.0.1", at)).toEqual({
      tenantId: "t1",
      nasId: "n1",
      nasAddress: "127.0.0.1",
      status: "Stop",
      receivedAt: at,
      username: stringAttr(a, "User-Name"),
      sessionId: stringAttr(a, "Acct-Session-Id"),
      uniqueSessionId: "multi-9",
      nasIpAddress: stringAttr(a, "NAS-IP-Address"),
      nasPortId: "ether1",
      framedIp: "100.64.0.7",
      callingStationId: "AA-BB-CC-DD-EE-FF",
      sessionTime: numberAttr(a, "Acct-Session-Time"),
      inputOctets: 2 * 2 ** 32 + 5,
      outputOctets: 2 ** 32 + 7,
      inputPackets: 11,
      outputPackets: 13,
      delayTime: 4,
      terminateCause: a["Acct-Terminate-Cause"],
    });
    expect(a["Acct-Terminate-Cause"]).toBe("Lost-Carrier");
  });

  it("takes the first of repeated attributes and ignores statuses it does not record", () => {
    const p = packet([
      ["Acct-Status-Type", "Start"],
      ["User-Name", "first"],
      ["User-Name", "second"],
    ]);
    expect(parseAccounting(p, nas, "127.0.0.1", at)?.username).toBe("first");
    // 15 = Failed (RFC 2866): not a session event.
    expect(parseAccounting(packet([["Acct-Status-Type", 15]]), nas, "127.0.0.1", at)).toBeUndefined();
    expect(parseAccounting(packet([["User-Name", "x"]]), nas, "127.0.0.1", at)).toBeUndefined();
  });

  it("treats an integer attribute of the wrong length as absent", () => {
    const p = packet([
      ["Acct-Status-Type", "Interim-Update"],
      ["Acct-Session-Time", 10],
    ]);
    // Acct-Session-Time is the last attribute: shorten its value from 4 octets to 2.
    const data = Buffer.from(p.data.subarray(0, p.data.length - 2));
    data[data.length - 3] = 4;
    data.writeUInt16BE(data.length, 2);
    const shortened = decodePacket(data);
    if (!shortened) throw new Error("not decodable");
    const r = parseAccounting(shortened, nas, "127.0.0.1", at);
    expect(r?.status).toBe("Interim-Update");
    expect(r?.sessionTime).toBeUndefined();
  });
});
