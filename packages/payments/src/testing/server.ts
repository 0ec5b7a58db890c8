import { randomBytes } from "node:crypto";
import { createServer, request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";

// The plumbing both fakes share: a real HTTP server on a random loopback port that records every
// request, and the POST a provider makes to its merchant's callback address.

export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
}

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Delivery {
  status: number;
  body: string;
}

export interface RunningServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

const MAX_BODY = 1_000_000;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > MAX_BODY) throw new Error("body too large");
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export async function startServer(handle: (req: RecordedRequest) => Reply): Promise<RunningServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    readBody(req)
      .then((body) => {
        const url = new URL(req.url ?? "/", "http://fake");
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = String(v);
        const recorded: RecordedRequest = {
          method: req.method ?? "GET",
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers,
          body,
        };
        requests.push(recorded);
        const reply = handle(recorded);
        res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
        res.end(JSON.stringify(reply.body));
      })
      .catch(() => {
        res.writeHead(413, { "content-type": "application/json" });
        res.end("{}");
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * POSTs a body the way a provider calls its merchant back. Raw HTTP, so the Host header is the
 * URL's even when the connection goes elsewhere: `via` ("127.0.0.1:port") stands in for DNS and
 * the reverse proxy, which lets a test deliver to a tenant host such as acme.proxpanel.test.
 * Names under .localhost go to 127.0.0.1 as browsers and curl do.
 */
export function deliver(
  url: string,
  rawBody: string,
  headers: Record<string, string>,
  via?: string,
): Promise<Delivery> {
  const target = new URL(url);
  const [viaHost, viaPort] = via ? via.split(":") : [];
  const loopbackName = target.hostname === "localhost" || target.hostname.endsWith(".localhost");
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      {
        host: viaHost ?? (loopbackName ? "127.0.0.1" : target.hostname),
        port: viaPort ?? target.port,
        method: "POST",
        path: `${target.pathname}${target.search}`,
        servername: target.hostname,
        headers: {
          "content-type": "application/json",
          ...headers,
          host: target.host,
          "content-length": String(Buffer.byteLength(rawBody)),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    req.end(rawBody);
  });
}

const ALPHANUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `length` random characters from the first `alphabet` characters of 0-9A-Za-z. */
export function randomId(length: number, alphabet = 62): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const b of bytes) out += ALPHANUM[b % alphabet];
  return out;
}
