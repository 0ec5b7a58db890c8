import type { IncomingMessage } from "node:http";
import { normalizeHost } from "@proxpanel/tenancy";
import { Hono } from "hono";
import { LRUCache } from "lru-cache";
import proxyaddr from "proxy-addr";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { AppError, ErrorCode, forbidden, notFound } from "../../errors.ts";
import { jsonResponse, okBody } from "../../openapi.ts";

/** Distinct refused names allowed per window, cluster-wide, before every ask is refused. */
export const ASK_UNKNOWN_BUDGET = 50;
export const ASK_WINDOW_S = 10;
const LIMIT_KEY = "tls_ask:unknown";

/**
 * Caddy's on-demand TLS gate: 200 means "get a certificate for this name". Only the proxies may
 * ask (a request Caddy forwards for a client carries X-Forwarded-For and is refused, in case
 * /internal is ever proxied by mistake). Answers come from the resolver's cache, never from DNS,
 * so a handshake waits for at most one indexed query.
 */
export function tlsAskRoutes(deps: AppDeps) {
  const trust = proxyaddr.compile(deps.config.TRUSTED_PROXIES);
  const limiter = deps.state.rateLimiter({ points: ASK_UNKNOWN_BUDGET, duration: ASK_WINDOW_S });
  // A scanner repeating one name costs nothing (negative cache); only new names spend the budget.
  const refused = new LRUCache<string, true>({ max: 10_000, ttl: ASK_WINDOW_S * 1000 });
  return new Hono<AppEnv>().get(
    "/",
    jsonResponse(okBody, "Caddy may get a certificate for this name", { security: [] }),
    async (c) => {
      const incoming = c.env?.incoming as IncomingMessage | undefined;
      const peer = incoming?.socket.remoteAddress ?? "";
      if (!peer || !trust(peer, 0) || c.req.header("x-forwarded-for") !== undefined) throw forbidden();

      const raw = c.req.query("domain") ?? "";
      const host = normalizeHost(raw);
      // Caddy sends the bare SNI name; anything with a port, a path or odd characters is not one.
      if (!host || host !== raw.toLowerCase()) throw new AppError(400, ErrorCode.validation, "Invalid domain");

      const spent = await limiter.get(LIMIT_KEY);
      if (spent && spent.remainingPoints <= 0 && !refused.has(host)) {
        throw new AppError(429, ErrorCode.rateLimited, "Too many unknown names; try again shortly.", undefined, {
          "Retry-After": String(Math.ceil(spent.msBeforeNext / 1000)),
        });
      }
      // Not resolve(): in standalone mode that maps every name to the one tenant, and a certificate
      // must only ever be issued for the base domain or a verified custom domain.
      const res = await deps.resolver.resolveCertificateName(host);
      if (res.kind === "tenant" && res.tenant.status === "active") return c.json({ ok: true });
      if (!refused.has(host)) {
        refused.set(host, true);
        await limiter.penalty(LIMIT_KEY, 1);
      }
      throw notFound();
    },
  );
}
