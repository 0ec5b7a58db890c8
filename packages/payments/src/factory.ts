import { type ConfigOptions, parseProviderConfig } from "./config.ts";
import { mpesaProvider } from "./mpesa.ts";
import { stripeProvider } from "./stripe.ts";
import type { PaymentProvider, ProviderName } from "./types.ts";

export interface ProviderOptions extends ConfigOptions {
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
  /** Deadline of each call to the provider (default 15 s). */
  timeoutMs?: number;
  /** Clock for timestamps and signature windows (default: the real one). */
  now?: () => Date;
}

/**
 * The provider for a tenant's settings, validated first (PaymentConfigError names every bad field).
 * Cheap to build: call it per request with the unsealed settings.
 */
export function createProvider(name: ProviderName, config: unknown, opts: ProviderOptions = {}): PaymentProvider {
  const deps = {
    fetch: opts.fetch ?? globalThis.fetch,
    timeoutMs: opts.timeoutMs ?? 15_000,
    now: opts.now ?? (() => new Date()),
  };
  const configOpts = { allowLoopbackApiBase: opts.allowLoopbackApiBase ?? false };
  return name === "stripe"
    ? stripeProvider(parseProviderConfig("stripe", config, configOpts), deps)
    : mpesaProvider(parseProviderConfig("mpesa", config, configOpts), deps);
}
