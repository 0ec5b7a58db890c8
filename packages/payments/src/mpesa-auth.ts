import { createHash } from "node:crypto";
import { z } from "zod";
import { PaymentProviderError } from "./errors.ts";
import { call, type HttpDeps } from "./http.ts";

// Daraja access tokens live about an hour. Providers are built per request from the tenant's
// settings, so the cache is the module's, keyed by a hash of (API base, key, secret): a changed
// secret is a new entry and no secret is kept as a key. Concurrent misses share one request.

const MAX_ENTRIES = 1000;
const EARLY_S = 60; // renew a minute before Daraja would refuse the token

const tokens = new Map<string, { token: string; expiresAt: number }>();
const inflight = new Map<string, Promise<string>>();

const tokenAnswer = z.looseObject({
  access_token: z.string().min(1).max(4096),
  // Daraja sends a string ("3599"); accept a number too.
  expires_in: z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()]),
});

export interface DarajaCredentials {
  apiBase: string;
  consumerKey: string;
  consumerSecret: string;
}

const cacheKey = (c: DarajaCredentials) =>
  createHash("sha256").update(`${c.apiBase}\0${c.consumerKey}\0${c.consumerSecret}`).digest("hex");

/** Daraja's error body: `{ requestId, errorCode, errorMessage }`. */
export function darajaError(what: string, status: number, json: unknown): PaymentProviderError {
  const body = json as { errorCode?: unknown; errorMessage?: unknown } | undefined;
  const code = typeof body?.errorCode === "string" ? body.errorCode : undefined;
  const message = typeof body?.errorMessage === "string" ? body.errorMessage : `HTTP ${status}`;
  return new PaymentProviderError(`M-Pesa refused ${what}: ${message}`, {
    status,
    ...(code ? { providerCode: code } : {}),
    retryable: status >= 500 || status === 429,
  });
}

async function fetchToken(c: DarajaCredentials, deps: HttpDeps): Promise<string> {
  const basic = Buffer.from(`${c.consumerKey}:${c.consumerSecret}`, "utf8").toString("base64");
  const answer = await call("M-Pesa", deps, `${c.apiBase}/oauth/v1/generate?grant_type=client_credentials`, {
    method: "GET",
    headers: { authorization: `Basic ${basic}` },
  });
  if (answer.status !== 200) throw darajaError("the consumer key and secret", answer.status, answer.json);
  const parsed = tokenAnswer.safeParse(answer.json);
  if (!parsed.success) {
    throw new PaymentProviderError("M-Pesa answered the token request without a token", {
      status: answer.status,
      retryable: true,
    });
  }
  const ttl = Math.max(0, Number(parsed.data.expires_in) - EARLY_S);
  const key = cacheKey(c);
  if (tokens.size >= MAX_ENTRIES) {
    const now = Date.now();
    for (const [k, v] of tokens) if (v.expiresAt <= now) tokens.delete(k);
    // Still full: drop the oldest insertion (Map keeps insertion order).
    const oldest = tokens.keys().next();
    if (tokens.size >= MAX_ENTRIES && !oldest.done) tokens.delete(oldest.value);
  }
  tokens.set(key, { token: parsed.data.access_token, expiresAt: Date.now() + ttl * 1000 });
  return parsed.data.access_token;
}

/** A valid access token, from the cache when it has one that is not about to expire. */
export async function accessToken(c: DarajaCredentials, deps: HttpDeps): Promise<string> {
  const key = cacheKey(c);
  const hit = tokens.get(key);
  if (hit && hit.expiresAt > Date.now()) return hit.token;
  const pending = inflight.get(key);
  if (pending) return pending;
  const request = fetchToken(c, deps).finally(() => inflight.delete(key));
  inflight.set(key, request);
  return request;
}

/** Forgets a token Daraja refused (revoked, or expired early), so the next call fetches another. */
export function forgetToken(c: DarajaCredentials, token: string): void {
  const key = cacheKey(c);
  if (tokens.get(key)?.token === token) tokens.delete(key);
}
