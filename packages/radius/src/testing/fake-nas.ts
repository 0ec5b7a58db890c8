import { createSocket, type Socket } from "node:dgram";
import {
  checkMessageAuthenticator,
  checkRequestAuthenticator,
  type DecodedPacket,
  decodePacket,
  encodeResponse,
} from "../codec.ts";

export type NasAnswer = "ack" | { nak: number } | "silent";

/**
 * A NAS's RFC 5176 (Disconnect / CoA) listener on loopback, for tests: drops any request that does
 * not verify with its secret, as a router does (the sender then sees a timeout), records the rest,
 * and answers each as `answer` says: ACK, NAK with that Error-Cause, or nothing.
 */
export class FakeNas {
  readonly received: DecodedPacket[] = [];
  answer: (p: DecodedPacket) => NasAnswer = () => "ack";

  private constructor(
    readonly socket: Socket,
    readonly port: number,
    secret: string,
  ) {
    socket.on("message", (msg, rinfo) => {
      const p = decodePacket(Buffer.from(msg));
      if (!p || !checkRequestAuthenticator(p, secret)) return;
      if (checkMessageAuthenticator(p, secret, true) !== "ok") return;
      this.received.push(p);
      const a = this.answer(p);
      if (a === "silent") return;
      const ack = a === "ack";
      const reply = encodeResponse({
        // Disconnect-Request (40) → ACK 41 / NAK 42; CoA-Request (43) → 44 / 45.
        code: p.code === 40 ? (ack ? 41 : 42) : ack ? 44 : 45,
        identifier: p.identifier,
        requestAuthenticator: p.authenticator,
        secret,
        attributes: ack ? [] : [["Error-Cause", a.nak]],
      });
      socket.send(reply, rinfo.port, rinfo.address);
    });
  }

  static async open(secret: string): Promise<FakeNas> {
    const s = createSocket("udp4");
    await new Promise<void>((r) => s.bind(0, "127.0.0.1", () => r()));
    return new FakeNas(s, s.address().port, secret);
  }

  close(): void {
    this.socket.close();
  }
}
