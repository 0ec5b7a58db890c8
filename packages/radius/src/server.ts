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
  rawString,
} from "./codec.ts";
import { newCounters, type RadiusCounters } from "./counters.ts";
import type { AuthResult, NasRecord, RadiusDataSource } from "./data-source.ts";
import { type DedupKey, DuplicateCache } from "./dedup.ts";
import { FairQueue } from "./fair-queue.ts";

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
  /**
   * Packets one tenant may have waiting; beyond that its packets are dropped (default 2048: a NAS
   * coming back from a reboot sends its whole accounting backlog at once).
   */
  perTenantQueue?: number;
  onError?: (error: unknown, context: string) => void;
  /**
   * Every packet that proved its NAS's secret (auth, accounting, Status-Server), for NAS health.
   * Called on the hot path: it must only note the time in memory.
   */
  onNasSeen?: (nas: NasRecord, kind: "auth" | "acct") => void;
  /**
   * Open the sockets before the data source can route packets (the daemon's start-up, while every
   * tenant's NAS routes load): packets are then held, raw, until `release()`, instead of being dropped
   * as from an unknown NAS. See `hold` for the bounds.
   */
  startHeld?: boolean;
  /** Bounds of the start-up hold: packets held at most (default 4096) and for how long (ms, default 5000). */
  hold?: { maxPackets?: number; maxAgeMs?: number };
}

type Kind = "auth" | "acct";

interface Pending {
  kind: Kind;
  socket: Socket;
  packet: DecodedPacket;
  rinfo: RemoteInfo;
  address: string;
  nas: NasRecord;
}

/**
 * Packets evaluated per turn of the event loop: well under the 32 datagrams libuv reads per turn,
 * so reading outpaces evaluating under a flood and the backlog lands in the fair queue.
 */
const DRAIN_BATCH = 4;

/**
 * How long a source address is trusted to belong to the tenant its last packet resolved to. Only
 * used to drop a packet early when that tenant's queue is full; a NAS moved to another tenant is
 * re-learnt from its next packet that gets through.
 */
const SOURCE_TTL_MS = 5000;

interface Held {
  kind: Kind;
  socket: Socket;
  msg: Buffer;
  rinfo: RemoteInfo;
  at: number;
}

interface SourceTenant {
  tenant: string;
  at: number;
  /** NAS of two tenants behind this address (NAS-Identifier tells them apart): decode to know. */
  sharedAt: number;
}

export class RadiusServer {
  readonly counters: RadiusCounters = newCounters();
  /** Packets dropped because their tenant's queue was full, by tenant id. */
  readonly tenantQueueDrops = new Map<string, number>();
  private readonly queue: FairQueue<Pending>;
  /** Source address → tenant, learnt from packets that resolved to a NAS (so bounded by the NAS table). */
  private readonly sourceTenant = new Map<string, SourceTenant>();
  private draining = false;
  private readonly dedup: DuplicateCache;
  private readonly sockets: Partial<Record<Kind, Socket>> = {};
  private readonly source: RadiusDataSource;
  private readonly interim: number;
  /** Packets received before `release()` (startHeld), oldest first from `heldHead`; undefined once released. */
  private held: (Held | undefined)[] | undefined;
  private heldHead = 0;
  private stopped = false;
  private readonly holdMax: number;
  private readonly holdMaxAge: number;

  constructor(private readonly options: RadiusServerOptions) {
    this.source = options.dataSource;
    this.dedup = new DuplicateCache(options.dedupWindowMs ?? 5000);
    this.interim = options.defaultInterimInterval ?? 300;
    this.queue = new FairQueue(options.perTenantQueue ?? 2048);
    this.held = options.startHeld ? [] : undefined;
    this.holdMax = options.hold?.maxPackets ?? 4096;
    this.holdMaxAge = options.hold?.maxAgeMs ?? 5000;
  }

  /** Packets waiting for `release()` right now. */
  get heldPackets(): number {
    return this.held ? this.held.length - this.heldHead : 0;
  }

  /** False while packets are being held for the data source (startHeld, before `release()`). */
  get ready(): boolean {
    return this.held === undefined;
  }

  /**
   * The data source can route now: every held packet young enough that its NAS may still be waiting
   * goes through as if it had just arrived (older ones are dropped: the NAS has retransmitted it,
   * and the retransmission is held too, or given up), then packets are handled as they come.
   */
  release(): void {
    const held = this.held;
    if (!held) return;
    this.held = undefined;
    if (this.stopped) return;
    const now = Date.now();
    for (let i = this.heldHead; i < held.length; i++) {
      const h = held[i];
      if (!h) continue;
      if (now - h.at > this.holdMaxAge) this.counters.droppedStarting++;
      else this.handle(h.kind, h.socket, h.msg, h.rinfo, true);
    }
  }

  /**
   * Holds one packet for `release()`. Bounded in number and age: a full hold drops its oldest
   * packet (the newest is the one a NAS is most likely still waiting for), and packets past the
   * age limit are dropped as new ones arrive, so a long start-up keeps only what can still be answered.
   */
  private holdPacket(held: (Held | undefined)[], kind: Kind, socket: Socket, msg: Buffer, rinfo: RemoteInfo): void {
    const now = Date.now();
    while (this.heldHead < held.length) {
      const oldest = held[this.heldHead];
      if (oldest && now - oldest.at <= this.holdMaxAge && held.length - this.heldHead < this.holdMax) break;
      held[this.heldHead++] = undefined;
      this.counters.droppedStarting++;
    }
    if (this.heldHead > 1024 && this.heldHead * 2 > held.length) {
      held.splice(0, this.heldHead);
      this.heldHead = 0;
    }
    held.push({ kind, socket, msg, rinfo, at: now });
  }

  async start(): Promise<{ authPort: number; acctPort: number }> {
    const authPort = await this.bind("auth", this.options.authPort ?? 1812);
    const acctPort = await this.bind("acct", this.options.acctPort ?? 1813);
    return { authPort, acctPort };
  }

  /** Packets waiting in the fair queue per tenant (for the metrics exporter). */
  queueDepths(): Map<string, number> {
    return this.queue.depths();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(Object.values(this.sockets).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private bind(kind: Kind, port: number): Promise<number> {
    // Replies go to the literal address a request came from: answering the lookup in place
    // spares a resolver call and a tick per reply.
    const socket = createSocket({
      type: "udp4",
      reuseAddr: false,
      lookup: (hostname, _options, callback) => callback(null, hostname, 4),
    });
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
  private handle(kind: Kind, socket: Socket, msg: Buffer, rinfo: RemoteInfo, replay = false): void {
    try {
      const c = this.counters;
      if (!replay) c.received++;
      if (this.held) {
        this.holdPacket(this.held, kind, socket, msg, rinfo);
        return;
      }
      // A flooding NAS whose tenant's queue is already full is dropped here, before decoding, NAS
      // lookup and allocation: under overflow, reading stays cheap enough to empty the kernel's
      // socket buffer, where a neighbour's packets would otherwise wait behind the flood or be lost.
      const learnt = this.sourceTenant.get(rinfo.address);
      if (learnt !== undefined && this.queue.isFull(learnt.tenant)) {
        const now = Date.now();
        if (now - learnt.at < SOURCE_TTL_MS && now - learnt.sharedAt >= SOURCE_TTL_MS) {
          this.dropQueueFull(learnt.tenant);
          return;
        }
      }
      const packet = decodePacket(msg);
      if (!packet) {
        c.droppedMalformed++;
        return;
      }
      if (packet.code !== (kind === "auth" ? Code.AccessRequest : Code.AccountingRequest)) {
        if (packet.code !== Code.StatusServer) {
          c.droppedUnsupportedCode++;
          return;
        }
      }
      const address = rinfo.address.startsWith("::ffff:") ? rinfo.address.slice(7) : rinfo.address;
      const found = this.source.findNas(address, rawString(packet, Attr.NasIdentifier));
      if (found instanceof Promise) {
        found.then(
          (nas) => this.enqueue(kind, socket, packet, rinfo, address, nas),
          (err: unknown) => this.fail(kind, err),
        );
      } else {
        this.enqueue(kind, socket, packet, rinfo, address, found);
      }
    } catch (err) {
      this.fail(kind, err);
    }
  }

  /** Reading stays cheap (decode framing, find the NAS); evaluation waits its tenant's turn. */
  private enqueue(
    kind: Kind,
    socket: Socket,
    packet: DecodedPacket,
    rinfo: RemoteInfo,
    address: string,
    nas: NasRecord | undefined,
  ): void {
    if (!nas) {
      this.counters.droppedUnknownNas++;
      return;
    }
    this.learnSource(rinfo.address, nas.tenantId);
    if (!this.queue.push(nas.tenantId, { kind, socket, packet, rinfo, address, nas })) {
      this.dropQueueFull(nas.tenantId);
      return;
    }
    if (!this.draining) {
      this.draining = true;
      setImmediate(this.drain);
    }
  }

  private dropQueueFull(tenant: string): void {
    this.counters.droppedQueueFull++;
    this.tenantQueueDrops.set(tenant, (this.tenantQueueDrops.get(tenant) ?? 0) + 1);
  }

  private learnSource(address: string, tenant: string): void {
    const now = Date.now();
    const learnt = this.sourceTenant.get(address);
    if (learnt === undefined) {
      this.sourceTenant.set(address, { tenant, at: now, sharedAt: -Infinity });
      return;
    }
    if (learnt.tenant !== tenant) {
      // Two tenants within the window: this address is shared (or its NAS just moved).
      if (now - learnt.at < SOURCE_TTL_MS) learnt.sharedAt = now;
      learnt.tenant = tenant;
    }
    learnt.at = now;
  }

  private readonly drain = (): void => {
    for (let i = 0; i < DRAIN_BATCH; i++) {
      const p = this.queue.shift();
      if (!p) break;
      try {
        this.withNas(p.kind, p.socket, p.packet, p.rinfo, p.address, p.nas);
      } catch (err) {
        this.fail(p.kind, err);
      }
    }
    if (this.queue.size > 0) setImmediate(this.drain);
    else this.draining = false;
  };

  private withNas(
    kind: Kind,
    socket: Socket,
    packet: DecodedPacket,
    rinfo: RemoteInfo,
    address: string,
    nas: NasRecord,
  ): void {
    const c = this.counters;
    if (packet.code === Code.StatusServer) {
      this.statusServer(kind, socket, packet, rinfo, nas);
      return;
    }
    const proof = this.verify(kind, packet, nas);
    if (!proof) return;
    this.options.onNasSeen?.(nas, kind);
    if (proof === "proved" && !nas.verified) {
      nas.verified = true;
      this.source.nasVerified?.(nas);
    }
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
    try {
      const reply = kind === "auth" ? this.access(packet, nas) : this.accounting(packet, nas, address);
      if (reply instanceof Promise) {
        reply.then(
          (r) => this.answer(kind, socket, rinfo, key, r),
          (err: unknown) => {
            this.dedup.forget(key);
            this.fail(kind, err);
          },
        );
      } else {
        // The cached PAP/CHAP path: no closure or promise for this packet.
        this.answer(kind, socket, rinfo, key, reply);
      }
    } catch (err) {
      this.dedup.forget(key);
      throw err;
    }
  }

  private answer(kind: Kind, socket: Socket, rinfo: RemoteInfo, key: DedupKey, reply: Buffer | undefined): void {
    if (!reply) {
      this.dedup.forget(key);
      return;
    }
    this.dedup.complete(key, reply);
    this.send(kind, socket, reply, rinfo);
  }

  /**
   * RFC 5997: Status-Server must carry a valid Message-Authenticator whatever the NAS's
   * setting; the answer is an Access-Accept on the auth port, an Accounting-Response on the
   * accounting port. Never cached as a duplicate (its point is to show the server alive now).
   */
  private statusServer(kind: Kind, socket: Socket, packet: DecodedPacket, rinfo: RemoteInfo, nas: NasRecord): void {
    const c = this.counters;
    const ma = checkMessageAuthenticator(packet, nas.secret);
    if (ma !== "ok") {
      if (ma === "missing") c.droppedMissingMessageAuthenticator++;
      else c.droppedBadMessageAuthenticator++;
      return;
    }
    c.statusServer++;
    this.options.onNasSeen?.(nas, kind);
    const reply = encodeResponse({
      code: kind === "auth" ? Code.AccessAccept : Code.AccountingResponse,
      identifier: packet.identifier,
      requestAuthenticator: packet.authenticator,
      secret: nas.secret,
      attributes: [["Reply-Message", "ProxPanel RADIUS up"]],
      proxyState: allRaw(packet, Attr.ProxyState),
    });
    this.send(kind, socket, reply, rinfo);
  }

  /** RFC 2865/2866: anything that fails here is silently discarded, never answered. */
  /** false: drop it; "proved": its authenticator proves the NAS knows the secret; "accepted": allowed unproved. */
  private verify(kind: Kind, packet: DecodedPacket, nas: NasRecord): false | "proved" | "accepted" {
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
      return ma === "ok" ? "proved" : "accepted";
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
    return "proved";
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
      const result: AuthResult = {
        tenantId: nas.tenantId,
        nasId: nas.nasId,
        username: d.username,
        method: d.method,
        accepted: d.code === Code.AccessAccept,
        at: new Date(),
      };
      // Assigned rather than spread: object spreads per packet showed in profiles.
      if (d.reason !== undefined) result.reason = d.reason;
      if (d.callingStationId !== undefined) result.callingStationId = d.callingStationId;
      if (d.framedIp !== undefined) result.framedIp = d.framedIp;
      const r = this.source.recordAuth(result);
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
