// Every error this package throws is a PaymentError, so callers can tell "ours" from a bug. None
// of the messages ever contains a secret (keys, passkeys, tokens): they may reach the panel.

export abstract class PaymentError extends Error {
  abstract readonly code: string;
}

export interface ConfigIssue {
  path: string;
  message: string;
}

/** The tenant's provider settings are not usable; `issues` name each field. */
export class PaymentConfigError extends PaymentError {
  readonly code = "payment_config_invalid";
  constructor(
    readonly issues: ConfigIssue[],
    provider: string,
  ) {
    super(
      `Invalid ${provider} settings: ${issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ")}`,
    );
    this.name = "PaymentConfigError";
  }
}

/** The payment cannot be made this way (currency, amount, phone number...); `field` names the culprit. */
export class PaymentInputError extends PaymentError {
  readonly code = "payment_input_invalid";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "PaymentInputError";
  }
}

/** A callback that is not what the provider sent: bad signature, stale, or contradicted by the provider. */
export class PaymentSignatureError extends PaymentError {
  readonly code = "payment_signature_invalid";
  constructor(
    readonly reason: "missing" | "malformed" | "mismatch" | "stale" | "contradicted" | "unknown",
    message: string,
  ) {
    super(message);
    this.name = "PaymentSignatureError";
  }
}

/** An authentic-looking callback whose body is not the documented shape. */
export class PaymentPayloadError extends PaymentError {
  readonly code = "payment_payload_invalid";
  constructor(message: string) {
    super(message);
    this.name = "PaymentPayloadError";
  }
}

/**
 * The provider refused a request or could not be reached. `retryable` is true for network
 * failures, timeouts, 5xx and "still processing": nothing is settled, ask again later.
 */
export class PaymentProviderError extends PaymentError {
  readonly code = "payment_provider_error";
  constructor(
    message: string,
    readonly details: { status?: number; providerCode?: string; retryable: boolean },
  ) {
    super(message);
    this.name = "PaymentProviderError";
  }
}
