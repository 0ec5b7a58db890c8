import type { IncomingMessage } from "node:http";
import { getConnInfo } from "@hono/node-server/conninfo";
import { createMiddleware } from "hono/factory";
import proxyaddr from "proxy-addr";
import type { AppDeps } from "../deps.ts";
import type { AppEnv } from "../env.ts";

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{8,64}$/;

/**
 * Request id, logger, client address and requested host. Forwarded headers count only when the
 * direct peer is one of the configured proxies (Caddy); from anyone else they are ignored, so a
 * client cannot pick a tenant or an address by forging them.
 */
export function requestContext(deps: AppDeps) {
  const trustedAddress = proxyaddr.compile(deps.config.TRUSTED_PROXIES);
  const secret = deps.config.TRUSTED_PROXY_SECRET;
  return createMiddleware<AppEnv>(async (c, next) => {
    const incoming = c.env?.incoming as IncomingMessage | undefined;
    const given = c.req.header("x-request-id");
    const requestId = given && REQUEST_ID_RE.test(given) ? given : crypto.randomUUID();
    c.set("requestId", requestId);
    c.header("X-Request-Id", requestId);

    // With TRUSTED_PROXY_SECRET, a trusted address is not enough: the edge's secret header must match.
    const edgeProved = !secret || c.req.header("x-proxpanel-edge") === secret;
    const trust = (addr: string, i: number) => edgeProved && trustedAddress(addr, i);
    const peer = incoming?.socket.remoteAddress ?? getConnInfo(c).remote.address ?? "";
    const viaProxy = peer !== "" && trust(peer, 0);
    c.set("clientIp", incoming ? proxyaddr(incoming, trust) : peer);
    const forwardedHost = viaProxy ? c.req.header("x-forwarded-host")?.split(",")[0]?.trim() : undefined;
    c.set("host", forwardedHost || c.req.header("host") || "");

    const logger = deps.logger.child({ requestId });
    c.set("logger", logger);
    const started = performance.now();
    await next();
    const site = c.get("site");
    logger.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        ip: c.get("clientIp"),
        tenantId: site?.kind === "tenant" ? site.tenant.id : undefined,
      },
      "request",
    );
  });
}
