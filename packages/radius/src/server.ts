import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { parseAccounting } from "./accounting.ts";
import { type AuthDecision, evaluateAccessRequest } from "./auth.ts";
import {
  Attr,
  allRaw,
  Code,
  checkMessageAuthenticator,
  checkRequestAuthenticator,
  type DecodedPacket,
  decodePacket,
  encodeResponse,
  stringAttr,
} from "./codec.ts";
import { newCounters, type RadiusCounters } from "./counters.ts";
import type { NasRecord, RadiusDataSource } from "./data-source.ts";
import { DuplicateCache } from "./dedup.ts";

export interface RadiusServerOptions {
  dataSource: RadiusDataSource;
  /** Bind address; default all IPv4 interfaces. */
  host?: string;
  /** 0 picks a free port (tests). Defaults 1812 / 1813. */
  authPort?: number;
  acctPort?: number;
  /** How long a reply is kept for retransmissions (ms). */
  dedupWindowMs?: number;
  /** Acct-Interim-Interval for subscribers without one (s). */
  defaultInterimInterval?: number;
  /** Kernel receive buffer: bursts from many NAS queue here while the event loop is busy. */
  receiveBufferBytes?: number;
  onError?: (error: unknown, context: string) => void;
}

type Kind = "auth" | "acct";

export class RadiusServer {
  readonly counters: RadiusCounters = newCounters();
  private readonly dedup: DuplicateCache;
  private readonly sockets: Partial<Record<Kind, Socket>> = {};
  private readonly source: RadiusDataSource;
  private readonly interim: number;

  constructor(private readonly options: RadiusServerOptions) {
    this.source = options.dataSource;
    this.dedup = new DuplicateCache(options.dedupWindowMs ?? 5000);
    this.interim = options.defaultInterimInterval ?? 300;
  }

  async start(): Promise<{ authPort: number; acctPort: number }> {
    const authPort = await this.bind("auth", this.options.authPort ?? 1812);
    const acctPort = await this.bind("acct", this.options.acctPort ?? 1813);
    return { authPort, acctPort };
  }

  async stop(): Promise<void> {
    await Promise.all(Object.values(this.sockets).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private bind(kind: Kind, port: number): Promise<number> {
    const socket = createSocket({ type: "udp4", reuseAddr: false });
    this.sockets[kind] = socket;
    socket.on("message", (msg, rinfo) => this.handle(kind, socket, msg, rinfo));
    // A socket error (e.g. ICMP-driven on some platforms) must not take the daemon down.
    socket.on("error", (err) => this.options.onError?.(err, `${kind} socket`));
    return new Promise((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(port, this.options.host ?? "0.0.0.0", () => {
        socket.off("error", reject);
        if (this.options.receiveBufferBytes) socket.setRecvBufferSize(this.options.receiveBufferBytes);
        resolve(socket.address().port);
      });
    });
  }

  /** A reply finishing after stop() finds the socket closed; that must not become an unhandled error. */
  private send(kind: Kind, socket: Socket, reply: Buffer, rinfo: RemoteInfo): void {
    try {
      socket.send(reply, rinfo.port, rinfo.address);
    } catch (err) {
      this.fail(kind, err);
    }
  }

  private fail(kind: Kind, err: unknown): void {
    this.counters.errors++;
    this.options.onError?.(err, kind);
  }

  /**
   * Synchronous as long as the data source answers synchronously: no promise per packet on the
   * in-memory path. Nothing thrown here may reach the socket's event emitter.
   */
  private handle(kind: Kind, socket: Socket, msg: Buffer, rinfo: RemoteInfo): void {
    try {
      const c = this.counters;
      c.received++;
      const packet = decodePacket(msg);
      if (!packet) {
        c.droppedMalformed++;
        return;
      }
      if (packet.code !== (kind === "auth" ? Code.AccessRequest : Code.AccountingRequest)) {
        c.droppedUnsupportedCode++;
        return;
      }
      const address = rinfo.address.startsWith("::ffff:") ? rinfo.address.slice(7) : rinfo.address;
      const found = this.source.findNas(address, stringAttr(packet.attributes, "NAS-Identifier"));
      if (found instanceof Promise) {
        found.then(
          (nas) => this.withNas(kind, socket, packet, rinfo, address, nas),
          (err: unknown) => this.fail(kind, err),
        );
      } else {
        this.withNas(kind, socket, packet, rinfo, address, found);
      }
    } catch (err) {
      this.fail(kind, err);
    }
  }

  private withNas(
    kind: Kind,
    socket: Socket,
    packet: DecodedPacket,
    rinfo: RemoteInfo,
    address: string,
    nas: NasRecord | undefined,
  ): void {
    const c = this.counters;
    if (!nas) {
      c.droppedUnknownNas++;
      return;
    }
    if (!this.verify(kind, packet, nas)) return;
    const key = DuplicateCache.key(nas.nasId, packet.code, packet.identifier, packet.authenticator);
    const seen = this.dedup.check(key, Date.now());
    if (seen) {
      if (seen.reply) {
        c.duplicates++;
        this.send(kind, socket, seen.reply, rinfo);
      } else {
        c.duplicatesInFlight++;
      }
      return;
    }
    const done = (reply: Buffer | undefined) => {
      if (!reply) {
        this.dedup.forget(key);
        return;
      }
      this.dedup.complete(key, reply);
      this.send(kind, socket, reply, rinfo);
    };
    try {
      const reply = kind === "auth" ? this.access(packet, nas) : this.accounting(packet, nas, address);
      if (reply instanceof Promise) {
        reply.then(done, (err: unknown) => {
          this.dedup.forget(key);
          this.fail(kind, err);
        });
      } else {
        done(reply);
      }
    } catch (err) {
      this.dedup.forget(key);
      throw err;
    }
  }

  /** RFC 2865/2866: anything that fails here is silently discarded, never answered. */
  private verify(kind: Kind, packet: DecodedPacket, nas: NasRecord): boolean {
    const c = this.counters;
    if (kind === "auth") {
      const ma = checkMessageAuthenticator(packet, nas.secret);
      if (ma === "bad") {
        c.droppedBadMessageAuthenticator++;
        return false;
      }
      if (ma === "missing" && nas.requireMessageAuthenticator) {
        c.droppedMissingMessageAuthenticator++;
        return false;
      }
      return true;
    }
    if (!checkRequestAuthenticator(packet, nas.secret)) {
      c.droppedBadAuthenticator++;
      return false;
    }
    if (packet.raw.some((a) => a.type === Attr.MessageAuthenticator)) {
      if (checkMessageAuthenticator(packet, nas.secret, true) !== "ok") {
        c.droppedBadMessageAuthenticator++;
        return false;
      }
    }
    return true;
  }

  private access(packet: DecodedPacket, nas: NasRecord): Buffer | Promise<Buffer> {
    this.counters.accessRequests++;
    const decision = evaluateAccessRequest(packet, nas, this.source, { defaultInterimInterval: this.interim });
    return decision instanceof Promise
      ? decision.then((d) => this.reply(packet, nas, d))
      : this.reply(packet, nas, decision);
  }

  private reply(packet: DecodedPacket, nas: NasRecord, decision: AuthDecision): Buffer {
    if (decision.code === Code.AccessAccept) this.counters.accessAccepts++;
    else this.counters.accessRejects++;
    const reply = encodeResponse({
      code: decision.code,
      identifier: packet.identifier,
      requestAuthenticator: packet.authenticator,
      secret: nas.secret,
      attributes: decision.attributes,
      proxyState: allRaw(packet, Attr.ProxyState),
    });
    this.logAuth(nas, decision);
    return reply;
  }

  private logAuth(nas: NasRecord, d: AuthDecision): void {
    try {
      const r = this.source.recordAuth({
        tenantId: nas.tenantId,
        nasId: nas.nasId,
        username: d.username,
        method: d.method,
        accepted: d.code === Code.AccessAccept,
        at: new Date(),
        ...(d.reason !== undefined ? { reason: d.reason } : {}),
        ...(d.callingStationId !== undefined ? { callingStationId: d.callingStationId } : {}),
        ...(d.framedIp !== undefined ? { framedIp: d.framedIp } : {}),
      });
      if (r instanceof Promise) r.catch((err: unknown) => this.options.onError?.(err, "recordAuth"));
    } catch (err) {
      this.options.onError?.(err, "recordAuth");
    }
  }

  private async accounting(packet: DecodedPacket, nas: NasRecord, address: string): Promise<Buffer | undefined> {
    const c = this.counters;
    c.accountingRequests++;
    const record = parseAccounting(packet, nas, address, new Date());
    if (record) {
      try {
        await this.source.recordAccounting(record);
      } catch (err) {
        // No response: the NAS keeps the record and retransmits.
        c.accountingSinkFailures++;
        this.options.onError?.(err, "recordAccounting");
        return undefined;
      }
    } else {
      c.accountingIgnored++;
    }
    c.accountingResponses++;
    return encodeResponse({
      code: Code.AccountingResponse,
      identifier: packet.identifier,
      requestAuthenticator: packet.authenticator,
      secret: nas.secret,
      attributes: [],
      proxyState: allRaw(packet, Attr.ProxyState),
    });
  }
}
