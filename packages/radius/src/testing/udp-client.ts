/** A bare UDP peer for tests that need exact packets (MS-CHAPv2, duplicates, garbage). */
import { createSocket, type Socket } from "node:dgram";

export class UdpPeer {
  private readonly socket: Socket;
  private readonly inbox: Buffer[] = [];
  private waiter: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on("message", (msg) => {
      this.inbox.push(msg);
      this.waiter?.();
    });
  }

  /** `address` lets a test pose as another NAS (any 127.0.0.0/8 address works on Linux). */
  static async open(address = "127.0.0.1"): Promise<UdpPeer> {
    const socket = createSocket("udp4");
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(0, address, () => resolve());
    });
    return new UdpPeer(socket);
  }

  send(packet: Buffer, port: number, host = "127.0.0.1"): void {
    this.socket.send(packet, port, host);
  }

  /** Next datagram, or undefined after `timeoutMs` (used to assert "never answered"). */
  async receive(timeoutMs = 1000): Promise<Buffer | undefined> {
    const queued = this.inbox.shift();
    if (queued) return queued;
    await new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.waiter = () => {
        clearTimeout(t);
        resolve();
      };
    });
    this.waiter = undefined;
    return this.inbox.shift();
  }

  /** Send and wait for one reply. */
  async exchange(packet: Buffer, port: number, timeoutMs = 1000): Promise<Buffer | undefined> {
    this.send(packet, port);
    return this.receive(timeoutMs);
  }

  close(): void {
    this.socket.close();
  }
}
