import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type RequestListener, type ServerResponse } from "node:http";
import { serve } from "@hono/node-server";
import { ErrorCode } from "./errors.ts";

// A DNS name (labels of letters, digits and inner dashes) or an IPv6 literal, with an optional port.
const HOST_RE =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/;

/** `BRAVO.localhost.:8080` → `bravo.localhost:8080`; undefined when it is not a host at all. */
export function normaliseHostHeader(raw: string): string | undefined {
  const lower = raw.trim().toLowerCase();
  const m = /^(.*?)(:\d{1,5})?$/.exec(lower);
  const name = (m?.[1] ?? "").replace(/\.$/, "");
  const host = `${name}${m?.[2] ?? ""}`;
  return name.length <= 253 && HOST_RE.test(host) ? host : undefined;
}

/**
 * Settles the request's host before the framework sees it (whose own check answers an upper-case
 * or odd Host with a bare 400): one Host, case- and trailing-dot-insensitive; an absolute-form
 * target names the host itself (RFC 9112 §3.2.2: the Host header is then ignored); anything else
 * is 400 `bad_host` with the standard error body. Returns the problem, or undefined when the
 * request may go on (its headers.host and url rewritten to the settled form).
 */
export function settleHost(req: IncomingMessage): string | undefined {
  const hosts = req.rawHeaders.filter((_, i) => i % 2 === 0 && req.rawHeaders[i]?.toLowerCase() === "host");
  if (hosts.length > 1) return "More than one Host header.";
  const target = req.url ?? "";
  if (/^https?:\/\//i.test(target)) {
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return "The request target is not a valid absolute URL.";
    }
    if (url.username || url.password) return "The request target must not carry credentials.";
    req.headers.host = url.host;
    req.url = `${url.pathname}${url.search}`;
  }
  const raw = req.headers.host;
  if (raw === undefined) return undefined; // HTTP/1.0 without Host: the app answers 404 for no host
  const host = normaliseHostHeader(raw);
  if (!host) return "The Host header is not a valid host name.";
  setHost(req, host);
  return undefined;
}

/** The adapter builds the request's headers from rawHeaders, so the settled host goes in both. */
function setHost(req: IncomingMessage, host: string): void {
  req.headers.host = host;
  const at = req.rawHeaders.findIndex((v, i) => i % 2 === 0 && v.toLowerCase() === "host");
  if (at >= 0) req.rawHeaders[at + 1] = host;
  else req.rawHeaders.push("Host", host);
}

function refuse(res: ServerResponse, message: string): void {
  const requestId = randomUUID();
  const body = JSON.stringify({ error: { code: ErrorCode.badHost, message, requestId } });
  res.writeHead(400, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    "x-request-id": requestId,
    connection: "close",
  });
  res.end(body);
}

/**
 * A check that may answer a request before the app does (early-refusal.ts): `undefined` to go on
 * at once, or a promise of whether it answered.
 */
export type RequestGate = (req: IncomingMessage, res: ServerResponse) => Promise<boolean> | undefined;

export function guardHost(listener: RequestListener, gate?: RequestGate): RequestListener {
  return (req, res) => {
    const problem = settleHost(req);
    if (problem) return refuse(res, problem);
    const answered = gate?.(req, res);
    if (!answered) return listener(req, res);
    answered.then(
      (done) => done || listener(req, res),
      () => listener(req, res),
    );
  };
}

/**
 * `serve` from @hono/node-server with the host settled first (and, given a gate, over-limit
 * tenants refused before the app); every API listener uses it.
 */
export function serveApp(
  { gate, ...options }: Parameters<typeof serve>[0] & { gate?: RequestGate },
  listening?: Parameters<typeof serve>[1],
) {
  return serve(
    {
      ...options,
      createServer: (opts: object, listener?: RequestListener) =>
        createServer(opts, guardHost(listener ?? (() => {}), gate)),
    } as Parameters<typeof serve>[0],
    listening,
  );
}
