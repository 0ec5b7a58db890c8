import type { SignedEvent } from "@proxpanel/payments/testing";
import type { Response, Stack, TestTenant } from "../../../../../tests/harness.ts";

/** Posts a provider's signed body to our webhook exactly as the provider would (raw bytes). */
export function postWebhook(stack: Stack, t: TestTenant, path: string, signed: SignedEvent): Promise<Response> {
  return stack.request("POST", path, {
    host: t.host,
    body: signed.rawBody,
    headers: { ...signed.headers, "content-type": "application/json" },
  });
}

/** The path of a callback address the provider was given (its host is the tenant's public one). */
export const pathOf = (url: string) => new URL(url).pathname;
