import { randomInt } from "node:crypto";
import { createSocket } from "node:dgram";
import { isIPv6 } from "node:net";
import { type AttributeList, Code, type DecodedPacket, decodePacket, encodeRequest, verifyResponse } from "./codec.ts";

export interface DynamicAuthTarget {
  host: string;
  /** RFC 5176 default 3799 */
  port?: number;
  secret: string;
}

export interface DynamicAuthOptions {
  /** Per attempt (ms). */
  timeoutMs?: number;
  /** Extra attempts after the first, same identifier and authenticator (a NAS dedups them). */
  retries?: number;
}

export type DynamicAuthResult =
  | { outcome: "ack"; attempts: number; packet: DecodedPacket }
  | { outcome: "nak"; attempts: number; errorCause?: number | string; packet: DecodedPacket }
  | { outcome: "timeout"; attempts: number }
  | { outcome: "error"; attempts: number; error: Error };

/** Disconnect-Request: ends the sessions the attributes identify (User-Name, Acct-Session-Id, ...). */
export function sendDisconnect(
  target: DynamicAuthTarget,
  attributes: AttributeList,
  options: DynamicAuthOptions = {},
): Promise<DynamicAuthResult> {
  return send(Code.DisconnectRequest, target, attributes, options);
}

/** CoA-Request: changes a live session, e.g. a new Mikrotik-Rate-Limit after a plan change. */
export function sendCoa(
  target: DynamicAuthTarget,
  attributes: AttributeList,
  options: DynamicAuthOptions = {},
): Promise<DynamicAuthResult> {
  return send(Code.CoaRequest, target, attributes, options);
}

function send(
  code: number,
  target: DynamicAuthTarget,
  attributes: AttributeList,
  options: DynamicAuthOptions,
): Promise<DynamicAuthResult> {
  const timeoutMs = options.timeoutMs ?? 2000;
  const maxAttempts = 1 + (options.retries ?? 2);
  const port = target.port ?? 3799;
  // Event-Timestamp keeps two otherwise identical requests distinct (RFC 5176 3.3 replay window).
  const withTimestamp: AttributeList = [...attributes, ["Event-Timestamp", new Date()]];
  const request = encodeRequest({ code, identifier: randomInt(256), secret: target.secret, attributes: withTimestamp });
  const requestAuth = Buffer.from(request.subarray(4, 20));
  const ack = code === Code.DisconnectRequest ? Code.DisconnectAck : Code.CoaAck;
  const nak = code === Code.DisconnectRequest ? Code.DisconnectNak : Code.CoaNak;
  const socket = createSocket(isIPv6(target.host) ? "udp6" : "udp4");

  return new Promise((resolve) => {
    let attempts = 0;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: DynamicAuthResult) => {
      if (timer) clearTimeout(timer);
      socket.close();
      resolve(result);
    };
    const attempt = () => {
      if (attempts >= maxAttempts) {
        finish({ outcome: "timeout", attempts });
        return;
      }
      attempts++;
      socket.send(request, port, target.host);
      timer = setTimeout(attempt, timeoutMs);
    };
    socket.on("message", (msg) => {
      // Anything not a valid, signed answer to this request is ignored, as RFC 5176 requires.
      const packet = decodePacket(msg);
      if (!packet || packet.identifier !== request[1]) return;
      if (packet.code !== ack && packet.code !== nak) return;
      if (!verifyResponse(msg, requestAuth, target.secret)) return;
      if (packet.code === ack) {
        finish({ outcome: "ack", attempts, packet });
        return;
      }
      const cause = packet.attributes["Error-Cause"];
      finish({
        outcome: "nak",
        attempts,
        packet,
        ...(typeof cause === "string" || typeof cause === "number" ? { errorCause: cause } : {}),
      });
    });
    socket.on("error", (error) => finish({ outcome: "error", attempts, error }));
    socket.bind(0, attempt);
  });
}
