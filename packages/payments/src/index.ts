// Online payments of subscribers through the tenant's own provider account. See README.md.
export {
  type ConfigOptions,
  configSchemaFor,
  MPESA_API_BASES,
  type MpesaConfig,
  mpesaConfigSchema,
  type ProviderConfig,
  parseProviderConfig,
  publicFields,
  STRIPE_API_BASE,
  type StripeConfig,
  stripeConfigSchema,
} from "./config.ts";
export {
  type ConfigIssue,
  PaymentConfigError,
  PaymentError,
  PaymentInputError,
  PaymentPayloadError,
  PaymentProviderError,
  PaymentSignatureError,
} from "./errors.ts";
export { createProvider, type ProviderOptions } from "./factory.ts";
export { mpesaPassword, mpesaTimestamp, normaliseKenyanPhone } from "./mpesa-format.ts";
export { STRIPE_TOLERANCE_S, verifyStripeSignature } from "./stripe-signature.ts";
export {
  type CallbackRequest,
  type ExpectedAmount,
  type PaymentOutcome,
  type PaymentProvider,
  PROVIDER_NAMES,
  type ProviderName,
  type QueryOutcome,
  type StartedPayment,
  type StartPaymentInput,
} from "./types.ts";
