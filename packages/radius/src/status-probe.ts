import { randomInt } from "node:crypto";
import { createSocket } from "node:dgram";
import { isIPv6 } from "node:net";
import { Code, decodePacket, encodeRequest, verifyResponse } from "./codec.ts";

export interface StatusProbeTarget {
  host: string;
  port: number;
  secret: string;
}

export type StatusProbeResult = { ok: true; rttMs: number; attempts: number } | { ok: false; attempts: number };

/**
 * RFC 5997 Status-Server with a Message-Authenticator (required by the RFC). Any correctly signed
 * answer to it (Access-Accept on an auth port, Accounting-Response on an accounting port) counts
 * as alive; nothing else does, so a spoofed reply cannot keep a dead NAS "online".
 */
export function probeStatusServer(
  target: StatusProbeTarget,
  options: { timeoutMs?: number; retries?: number } = {},
): Promise<StatusProbeResult> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const maxAttempts = 1 + (options.retries ?? 1);
  const request = encodeRequest({
    code: Code.StatusServer,
    identifier: randomInt(256),
    secret: target.secret,
    attributes: [],
  });
  const requestAuth = Buffer.from(request.subarray(4, 20));
  const socket = createSocket(isIPv6(target.host) ? "udp6" : "udp4");
  return new Promise((resolve) => {
    let attempts = 0;
    let sentAt = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (r: StatusProbeResult) => {
      clearTimeout(timer);
      socket.close();
      resolve(r);
    };
    const attempt = () => {
      if (attempts >= maxAttempts) return finish({ ok: false, attempts });
      attempts++;
      sentAt = performance.now();
      socket.send(request, target.port, target.host);
      timer = setTimeout(attempt, timeoutMs);
    };
    socket.on("message", (msg) => {
      const packet = decodePacket(msg);
      if (!packet || packet.identifier !== request[1]) return;
      if (packet.code !== Code.AccessAccept && packet.code !== Code.AccountingResponse) return;
      if (!verifyResponse(msg, requestAuth, target.secret)) return;
      finish({ ok: true, rttMs: Math.round(performance.now() - sentAt), attempts });
    });
    socket.on("error", () => finish({ ok: false, attempts }));
    socket.bind(0, attempt);
  });
}
