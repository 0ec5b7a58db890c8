import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { register } from "prom-client";

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The scrape endpoint: its own listener (METRICS_HOST, 127.0.0.1 by default), never the public
 * one, so no tenant host can reach it whatever the edge forwards. Only GET /metrics answers, and
 * GET /readyz when the process gives a `ready` probe (200 `ready`, else 503 `starting`).
 */
export function startMetricsServer(opts: {
  host: string;
  port: number;
  ready?: () => boolean;
}): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? "").split("?")[0];
    const read = req.method === "GET" || req.method === "HEAD";
    if (path === "/readyz" && opts.ready && read) {
      const ready = opts.ready();
      res
        .writeHead(ready ? 200 : 503, { "content-type": "application/json" })
        .end(req.method === "HEAD" ? "" : `${JSON.stringify({ status: ready ? "ready" : "starting" })}\n`);
      return;
    }
    if (path !== "/metrics" || !read) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    register.metrics().then(
      (body) => res.writeHead(200, { "content-type": register.contentType }).end(req.method === "HEAD" ? "" : body),
      (err: unknown) => res.writeHead(500, { "content-type": "text/plain" }).end(`${String(err)}\n`),
    );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port, opts.host, () => {
      server.off("error", reject);
      // A scrape must never hold a process open on its way out.
      server.unref();
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}
