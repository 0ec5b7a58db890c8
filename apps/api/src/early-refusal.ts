import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { TokenService } from "@proxpanel/auth";
import type { Config } from "@proxpanel/config";
import { apiTenantLabel, rateLimitRefusals } from "@proxpanel/metrics/api";
import { normalizeHost } from "@proxpanel/tenancy";
import proxyaddr from "proxy-addr";
import { ErrorCode } from "./errors.ts";

/** The one message of a tenant's spent signed-in budget, early or through the app. */
export const TENANT_RATE_LIMIT_MESSAGE = "Too many requests for this workspace; slow down.";

/** Same rule as the request-context middleware: a caller's id is kept when it looks like one. */
const REQUEST_ID_RE = /^[A-Za-z0-9._-]{8,64}$/;
const BEARER_RE = /^Bearer\s+(\S+)$/i;
/** Past this many blocked hosts, expired entries are swept before another is added. */
const MAX_BLOCKED = 10_000;

// The body is fixed but for its request id: built once, the id spliced in per refusal.
const BODY_HEAD = `{"error":{"code":${JSON.stringify(ErrorCode.rateLimited)},"message":${JSON.stringify(TENANT_RATE_LIMIT_MESSAGE)},"requestId":"`;
const BODY_TAIL = `"}}`;

interface Block {
  tenantId: string;
  /** Epoch ms at which the shared budget's window ends (the limiter's msBeforeNext). */
  until: number;
  limit: number;
}

/**
 * A tenant whose signed-in budget (TENANT_RATE_LIMIT_PER_MIN) is spent stays refused until its
 * window ends, whatever else happens: the shared counter (Redis or memory) has already said so.
 * The rate-limit middleware records that answer here, keyed by the request's host, and the node
 * request handler refuses the tenant's further signed-in requests from this memo before the
 * framework, routing, logging or the shared counter see them. A flood past the limit then costs a
 * map lookup, a cached token check and a pre-built 429 per request instead of the whole middleware
 * chain, and the event loop it shares with other tenants stays free for them.
 *
 * Only requests the app itself would refuse are refused here: same host rule as the
 * request-context middleware (forwarded host only from a trusted proxy), and a bearer token that
 * verifies for the blocked tenant (anything else is anonymous and goes on to its own budgets).
 */
export class TenantBlocks {
  private readonly blocked = new Map<string, Block>();

  /** Called by the rate-limit middleware when the shared budget refused a signed-in request. */
  block(rawHost: string, tenantId: string, msBeforeNext: number, limit: number): void {
    const host = normalizeHost(rawHost);
    if (!host || msBeforeNext <= 0) return;
    if (this.blocked.size >= MAX_BLOCKED) this.sweep(Date.now());
    if (this.blocked.size >= MAX_BLOCKED) return;
    this.blocked.set(host, { tenantId, until: Date.now() + msBeforeNext, limit });
  }

  /** The live block of this host, if any (an ended one is dropped on the way). */
  get(host: string, now: number): Block | undefined {
    const b = this.blocked.get(host);
    if (b && b.until <= now) {
      this.blocked.delete(host);
      return undefined;
    }
    return b;
  }

  get size(): number {
    return this.blocked.size;
  }

  private sweep(now: number): void {
    for (const [host, b] of this.blocked) if (b.until <= now) this.blocked.delete(host);
  }
}

export interface EarlyRefusalDeps {
  config: Pick<Config, "TRUSTED_PROXIES" | "TRUSTED_PROXY_SECRET">;
  tokens: Pick<TokenService, "verifyTenant">;
  blocks: TenantBlocks;
  /**
   * Hold each early 429 this long (capped at the block's end) before answering: a client that
   * ignores Retry-After then sends at most one request per connection per delay, instead of
   * thousands a second that cost the event loop other tenants share. 0 answers at once.
   * `npm start` uses RATE_LIMIT_REFUSAL_HOLD_MS (1 s); bench/noisy-neighbour.ts --tarpit measures it.
   */
  refusalDelayMs?: number;
  /**
   * At most this many refusals held at once (default 1,024); past it they are answered at once, so
   * a flood over very many connections cannot make the process keep an unbounded set of them open.
   */
  maxHeld?: number;
}

/**
 * The node-level check: `undefined` when the request is not for a blocked host (the common case,
 * decided synchronously), else a promise that says whether it was answered with 429.
 */
export function earlyRefusal(deps: EarlyRefusalDeps) {
  const trustedAddress = proxyaddr.compile(deps.config.TRUSTED_PROXIES);
  const secret = deps.config.TRUSTED_PROXY_SECRET;
  const delayMs = deps.refusalDelayMs ?? 0;
  const maxHeld = deps.maxHeld ?? 1_024;
  let held = 0;

  /** The host the app will resolve: X-Forwarded-Host only from a trusted proxy carrying the edge secret. */
  const hostOf = (req: IncomingMessage): string => {
    const peer = req.socket.remoteAddress ?? "";
    const edge = req.headers["x-proxpanel-edge"];
    const viaProxy = peer !== "" && (!secret || edge === secret) && trustedAddress(peer, 0);
    const fwd = viaProxy ? req.headers["x-forwarded-host"] : undefined;
    const forwarded = typeof fwd === "string" ? fwd.split(",")[0]?.trim() : undefined;
    return forwarded || req.headers.host || "";
  };

  const refuse = (req: IncomingMessage, res: ServerResponse, block: Block, now: number): void => {
    const given = req.headers["x-request-id"];
    const requestId = typeof given === "string" && REQUEST_ID_RE.test(given) ? given : randomUUID();
    const body = `${BODY_HEAD}${requestId}${BODY_TAIL}`;
    const retry = String(Math.max(1, Math.ceil((block.until - now) / 1000)));
    rateLimitRefusals.inc({ budget: "tenant", tenant: apiTenantLabel(block.tenantId) });
    res.writeHead(429, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
      "x-request-id": requestId,
      "retry-after": retry,
      "ratelimit-limit": String(block.limit),
      "ratelimit-remaining": "0",
      "ratelimit-reset": retry,
    });
    res.end(body);
  };

  return (req: IncomingMessage, res: ServerResponse): Promise<boolean> | undefined => {
    if (deps.blocks.size === 0) return undefined;
    const now = Date.now();
    const block = deps.blocks.get(normalizeHost(hostOf(req)), now);
    if (!block) return undefined;
    const token = BEARER_RE.exec(req.headers.authorization ?? "")?.[1];
    if (!token) return undefined;
    // Verified tokens are cached by the token service: a repeated token costs a map lookup.
    return deps.tokens.verifyTenant(token).then(
      (claims) => {
        if (claims.tenantId !== block.tenantId) return false;
        const now = Date.now();
        const wait = Math.min(delayMs, block.until - now);
        if (wait <= 0 || held >= maxHeld) refuse(req, res, block, now);
        else {
          held += 1;
          const timer = setTimeout(() => refuse(req, res, block, Date.now()), wait);
          res.once("close", () => {
            clearTimeout(timer);
            held -= 1;
          });
        }
        return true;
      },
      () => false,
    );
  };
}
