import { STRIPE_API_BASE, type StripeConfig } from "./config.ts";
import { PaymentInputError, PaymentProviderError } from "./errors.ts";
import { call, type ProviderDeps } from "./http.ts";
import { checkStartInput } from "./input.ts";
import { toStripeAmount } from "./money.ts";
import { checkoutSession, outcomeOfEvent, outcomeOfSession } from "./stripe-events.ts";
import { verifyStripeSignature } from "./stripe-signature.ts";
import type { PaymentProvider, StartPaymentInput } from "./types.ts";

function withStatus(url: string, status: "success" | "cancelled"): string {
  const u = new URL(url);
  u.searchParams.set("status", status);
  return u.toString();
}

/** Checkout Session parameters, form-encoded as Stripe's API expects. */
export function checkoutForm(input: StartPaymentInput): URLSearchParams {
  const form = new URLSearchParams();
  form.set("mode", "payment");
  form.set("line_items[0][price_data][currency]", input.currency.toLowerCase());
  form.set("line_items[0][price_data][unit_amount]", String(toStripeAmount(input.amountCents, input.currency)));
  form.set("line_items[0][price_data][product_data][name]", input.description);
  form.set("line_items[0][quantity]", "1");
  form.set("success_url", withStatus(input.returnUrl, "success"));
  form.set("cancel_url", withStatus(input.returnUrl, "cancelled"));
  form.set("client_reference_id", input.reference);
  form.set("metadata[payment_id]", input.reference);
  if (input.customer.email) form.set("customer_email", input.customer.email);
  return form;
}

function stripeError(status: number, json: unknown): PaymentProviderError {
  const error = (json as { error?: { type?: unknown; code?: unknown; message?: unknown } } | undefined)?.error;
  const message = typeof error?.message === "string" ? error.message : `HTTP ${status}`;
  const code = typeof error?.code === "string" ? error.code : typeof error?.type === "string" ? error.type : undefined;
  // 409: a concurrent request with the same idempotency key; 429: rate limited.
  const retryable = status >= 500 || status === 409 || status === 429;
  return new PaymentProviderError(`Stripe refused the request: ${message}`, {
    status,
    ...(code ? { providerCode: code } : {}),
    retryable,
  });
}

export function stripeProvider(config: StripeConfig, deps: ProviderDeps): PaymentProvider {
  const base = config.apiBase ?? STRIPE_API_BASE;

  async function api(method: "GET" | "POST", path: string, form?: URLSearchParams, idempotencyKey?: string) {
    const headers: Record<string, string> = { authorization: `Bearer ${config.secretKey}` };
    if (form) headers["content-type"] = "application/x-www-form-urlencoded";
    if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
    const answer = await call("Stripe", deps, `${base}${path}`, {
      method,
      headers,
      ...(form ? { body: form.toString() } : {}),
    });
    if (answer.status < 200 || answer.status > 299) throw stripeError(answer.status, answer.json);
    const session = checkoutSession.safeParse(answer.json);
    if (!session.success) {
      throw new PaymentProviderError("Stripe answered without a Checkout Session", {
        status: answer.status,
        retryable: false,
      });
    }
    return session.data;
  }

  return {
    name: "stripe",

    async start(raw) {
      const input = checkStartInput(raw);
      // The payment id as idempotency key: a retried start returns the same session, never a second one.
      const session = await api("POST", "/v1/checkout/sessions", checkoutForm(input), input.reference);
      if (!session.url) {
        throw new PaymentProviderError("Stripe created a session without a checkout URL", { retryable: false });
      }
      return { providerRef: session.id, redirectUrl: session.url };
    },

    async parseCallback(req) {
      verifyStripeSignature(req.headers, req.rawBody, config.webhookSecret, req.now ?? deps.now());
      return outcomeOfEvent(req.rawBody);
    },

    async query(providerRef) {
      if (!/^cs_[A-Za-z0-9_]{1,250}$/.test(providerRef)) {
        throw new PaymentInputError("providerRef", "not a Stripe Checkout Session id (cs_…)");
      }
      return outcomeOfSession(await api("GET", `/v1/checkout/sessions/${providerRef}`));
    },
  };
}
