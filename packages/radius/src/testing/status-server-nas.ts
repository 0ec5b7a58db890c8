import { createSocket, type Socket } from "node:dgram";
import type { AddressInfo } from "node:net";
import { Code, decodePacket, encodeResponse } from "../codec.ts";

/**
 * A NAS's RFC 5997 Status-Server responder on loopback, for tests: answers a Status-Server with an
 * Access-Accept signed with its secret while `answering` is true, and stays silent otherwise (a
 * NAS gone quiet). The Disconnect/CoA side of a NAS is FakeNas (fake-nas.ts).
 */
export class StatusServerNas {
  answering: boolean;

  private constructor(
    readonly socket: Socket,
    readonly port: number,
    secret: string,
    answering: boolean,
  ) {
    this.answering = answering;
    socket.on("message", (msg, rinfo) => {
      const p = decodePacket(msg);
      if (!this.answering || !p || p.code !== Code.StatusServer) return;
      const reply = encodeResponse({
        code: Code.AccessAccept,
        identifier: p.identifier,
        requestAuthenticator: p.authenticator,
        secret,
        attributes: [],
      });
      socket.send(reply, rinfo.port, rinfo.address);
    });
  }

  static async start(secret: string, answering = true): Promise<StatusServerNas> {
    const socket = createSocket("udp4");
    await new Promise<void>((r) => socket.bind(0, "127.0.0.1", r));
    return new StatusServerNas(socket, (socket.address() as AddressInfo).port, secret, answering);
  }

  close(): void {
    this.socket.close();
  }
}
