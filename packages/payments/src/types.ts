export const PROVIDER_NAMES = ["stripe", "mpesa"] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export interface StartPaymentInput {
  /** Our payment id (uuid); Stripe's idempotency key and client_reference_id, M-Pesa's AccountReference. */
  reference: string;
  amountCents: number;
  /** ISO 4217, upper case. */
  currency: string;
  description: string;
  customer: { email?: string | null; phone?: string | null };
  /** Where the browser comes back to (Stripe success/cancel; `status=success|cancelled` is added). */
  returnUrl: string;
  /** Where the provider posts its result (M-Pesa CallBackURL); Stripe posts to the account's webhook instead. */
  callbackUrl: string;
}

export interface StartedPayment {
  /** Stripe Checkout Session id / M-Pesa CheckoutRequestID. */
  providerRef: string;
  /** Stripe: the hosted checkout page to send the browser to. */
  redirectUrl?: string;
  /** M-Pesa: the text to show the subscriber ("check your phone"). */
  customerMessage?: string;
}

export type PaymentOutcome =
  | {
      kind: "succeeded";
      providerRef: string;
      amountCents: number;
      currency: string;
      providerTxnId?: string;
      eventId: string;
    }
  | { kind: "failed"; providerRef: string; reason: string; eventId: string }
  | { kind: "ignored"; reason: string };

export type QueryOutcome = PaymentOutcome | { kind: "pending" };

/**
 * The amount the caller asked for at `start`. M-Pesa's status query does not report amounts, so
 * M-Pesa needs it to answer `query` and checks a callback's claimed amount against it; Stripe's
 * amounts come signed (webhook) or from the API itself (query), so Stripe does not use it.
 */
export interface ExpectedAmount {
  amountCents: number;
  currency: string;
}

export interface CallbackRequest {
  headers: Record<string, string | undefined>;
  rawBody: string;
  now?: Date;
  expected?: ExpectedAmount;
}

export interface PaymentProvider {
  name: ProviderName;
  start(input: StartPaymentInput): Promise<StartedPayment>;
  /**
   * Verifies the authenticity of an incoming webhook/callback and parses it. Throws
   * PaymentSignatureError if forged, PaymentPayloadError if malformed, PaymentProviderError when the
   * provider could not be asked to confirm it (M-Pesa) — leave the payment pending then.
   */
  parseCallback(req: CallbackRequest): Promise<PaymentOutcome>;
  /** The provider's current state of a payment (M-Pesa callback confirmation, reconciliation). */
  query(providerRef: string, expected?: ExpectedAmount): Promise<QueryOutcome>;
}
