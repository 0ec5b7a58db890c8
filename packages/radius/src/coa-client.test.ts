import { createHash, createHmac } from "node:crypto";
import { createSocket, type Socket } from "node:dgram";
import { afterEach, describe, expect, it } from "vitest";
import { sendCoa, sendDisconnect } from "./coa-client.ts";
import { type AttributeList, Code, decodePacket, encodeResponse, stringAttr, vendorAttrs } from "./codec.ts";

const SECRET = "coa-secret";

interface Responder {
  port: number;
  seen: Buffer[];
  socket: Socket;
}

/**
 * A stand-in NAS on 127.0.0.1 that checks each request's authenticator and Message-Authenticator
 * with its own MD5/HMAC code (not the daemon's) and answers as `reply` says.
 */
async function responder(
  reply: (req: Buffer) => { code: number; attributes?: AttributeList; secret?: string } | "ignore",
): Promise<Responder> {
  const socket = createSocket("udp4");
  const seen: Buffer[] = [];
  socket.on("message", (msg, rinfo) => {
    seen.push(msg);
    const zeroed = Buffer.from(msg);
    zeroed.fill(0, 4, 20);
    const expectedAuth = createHash("md5").update(zeroed).update(SECRET).digest();
    if (!expectedAuth.equals(msg.subarray(4, 20))) return;
    const packet = decodePacket(msg);
    const ma = packet?.raw.find((a) => a.type === 80);
    if (!packet || !ma) return;
    const forMac = Buffer.from(zeroed);
    forMac.fill(0, ma.offset, ma.offset + 16);
    const expectedMa = createHmac("md5", SECRET).update(forMac).digest();
    if (!expectedMa.equals(msg.subarray(ma.offset, ma.offset + 16))) return;
    const r = reply(msg);
    if (r === "ignore") return;
    socket.send(
      encodeResponse({
        code: r.code,
        identifier: packet.identifier,
        requestAuthenticator: packet.authenticator,
        secret: r.secret ?? SECRET,
        attributes: r.attributes ?? [],
      }),
      rinfo.port,
      rinfo.address,
    );
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", () => resolve()));
  return { port: socket.address().port, seen, socket };
}

let nas: Responder | undefined;
afterEach(() => {
  nas?.socket.close();
  nas = undefined;
});

describe("Disconnect / CoA client (RFC 5176)", () => {
  it("gets a Disconnect-ACK for a correctly signed request", async () => {
    nas = await responder(() => ({ code: Code.DisconnectAck }));
    const r = await sendDisconnect({ host: "127.0.0.1", port: nas.port, secret: SECRET }, [
      ["User-Name", "alice"],
      ["Acct-Session-Id", "sess-9"],
    ]);
    expect(r.outcome).toBe("ack");
    expect(r.attempts).toBe(1);
    const sent = decodePacket(nas.seen[0] ?? Buffer.alloc(0));
    expect(sent?.code).toBe(Code.DisconnectRequest);
    expect(sent && stringAttr(sent.attributes, "Acct-Session-Id")).toBe("sess-9");
  });

  it("sends the new rate limit in a CoA-Request and reports a NAK with its Error-Cause", async () => {
    nas = await responder((req) => {
      const rate = stringAttr(vendorAttrs(decodePacket(req)?.attributes ?? {}), "Mikrotik-Rate-Limit");
      return rate === "5M/5M" ? { code: Code.CoaNak, attributes: [["Error-Cause", 503]] } : { code: Code.CoaAck };
    });
    const target = { host: "127.0.0.1", port: nas.port, secret: SECRET };
    const nak = await sendCoa(target, [
      ["User-Name", "alice"],
      ["Vendor-Specific", 14988, [["Mikrotik-Rate-Limit", "5M/5M"]]],
    ]);
    expect(nak.outcome).toBe("nak");
    expect(nak.outcome === "nak" && nak.errorCause).toBe("Session-Context-Not-Found");
    const ack = await sendCoa(target, [
      ["User-Name", "alice"],
      ["Vendor-Specific", 14988, [["Mikrotik-Rate-Limit", "8M/8M"]]],
    ]);
    expect(ack.outcome).toBe("ack");
  });

  it("retries, then times out when the NAS is silent", async () => {
    nas = await responder(() => "ignore");
    const r = await sendDisconnect({ host: "127.0.0.1", port: nas.port, secret: SECRET }, [["User-Name", "alice"]], {
      timeoutMs: 100,
      retries: 2,
    });
    expect(r).toEqual({ outcome: "timeout", attempts: 3 });
    expect(nas.seen).toHaveLength(3);
    // Retransmissions are byte-identical so the NAS can recognise them.
    expect(nas.seen[1]).toEqual(nas.seen[0]);
  });

  it("ignores an answer signed with the wrong secret", async () => {
    nas = await responder(() => ({ code: Code.DisconnectAck, secret: "not-the-secret" }));
    const r = await sendDisconnect({ host: "127.0.0.1", port: nas.port, secret: SECRET }, [["User-Name", "alice"]], {
      timeoutMs: 100,
      retries: 1,
    });
    expect(r.outcome).toBe("timeout");
  });

  it("stamps each request with Event-Timestamp", async () => {
    nas = await responder(() => ({ code: Code.DisconnectAck }));
    await sendDisconnect({ host: "127.0.0.1", port: nas.port, secret: SECRET }, [["User-Name", "alice"]]);
    const sent = decodePacket(nas.seen[0] ?? Buffer.alloc(0));
    expect(sent?.attributes["Event-Timestamp"]).toBeInstanceOf(Date);
  });
});
