import { DeliveryError } from "../delivery.ts";

/** 408 and 429 mean "later"; any other 4xx means this request will never be accepted. */
export const isPermanentStatus = (status: number) => status >= 400 && status < 500 && status !== 408 && status !== 429;

export const GATEWAY_TIMEOUT_MS = 15_000;

/**
 * One HTTP exchange with bounded time and no redirects (a redirect could lead a tenant-supplied
 * URL somewhere we refused to go). Network errors and timeouts are worth retrying.
 */
export async function exchange(url: string, init: RequestInit): Promise<{ status: number; text: string }> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(GATEWAY_TIMEOUT_MS) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new DeliveryError(
      `Gateway unreachable: ${cause ?? (err instanceof Error ? err.message : String(err))}`,
      false,
    );
  }
  const text = (await res.text().catch(() => "")).slice(0, 4000);
  if (res.status >= 300 && res.status < 400) {
    throw new DeliveryError(`Gateway answered with a redirect (HTTP ${res.status}); redirects are not followed`, true);
  }
  return { status: res.status, text };
}
