import { PaymentProviderError } from "./errors.ts";

export interface HttpDeps {
  fetch: typeof fetch;
  timeoutMs: number;
}

/** What a provider needs besides its settings: HTTP and a clock. */
export interface ProviderDeps extends HttpDeps {
  now: () => Date;
}

export interface HttpAnswer {
  status: number;
  /** The parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
}

// Answers are small JSON documents; anything bigger is not the provider we think it is.
const MAX_BODY = 1_000_000;

/** One outbound call with a deadline; a network failure or timeout is a retryable provider error. */
export async function call(label: string, deps: HttpDeps, url: string, init: RequestInit): Promise<HttpAnswer> {
  let res: Response;
  let text: string;
  try {
    res = await deps.fetch(url, { ...init, redirect: "error", signal: AbortSignal.timeout(deps.timeoutMs) });
    text = await res.text();
  } catch (err) {
    const why = err instanceof Error && err.name === "TimeoutError" ? "timed out" : "could not be reached";
    throw new PaymentProviderError(`${label} ${why}`, { retryable: true });
  }
  if (text.length > MAX_BODY) {
    throw new PaymentProviderError(`${label} answered with an oversized body`, { status: res.status, retryable: true });
  }
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: res.status, json };
}
