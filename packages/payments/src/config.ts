import { z } from "zod";
import { type ConfigIssue, PaymentConfigError } from "./errors.ts";
import type { ProviderName } from "./types.ts";

// The tenant's own provider accounts, as typed in the panel. The API base is where we send the
// tenant's credentials and whose answers we trust, so it is never free text: only the provider's
// official address, or a loopback address when the caller allows it (tests and their fakes).
// Anything else would let a tenant point our server at internal services (SSRF).

export const STRIPE_API_BASE = "https://api.stripe.com";
export const MPESA_API_BASES = {
  sandbox: "https://sandbox.safaricom.co.ke",
  production: "https://api.safaricom.co.ke",
} as const;

export interface ConfigOptions {
  /** Accept an http(s) apiBase on 127.0.0.0/8, ::1 or localhost (the local fakes). Never in production. */
  allowLoopbackApiBase?: boolean;
}

const required = (what: string) => ({
  error: (issue: { input?: unknown }) => (issue.input === undefined ? "is required" : `must be ${what}`),
});
const text = (what: string) => z.string(required(what)).trim();

const stripeShape = {
  secretKey: text("text").regex(
    /^(sk|rk)_(test|live)_[A-Za-z0-9]{8,}$/,
    "must be a Stripe secret key (sk_live_… or sk_test_…; a restricted rk_… key works too)",
  ),
  webhookSecret: text("text").regex(
    /^whsec_[A-Za-z0-9_+/=-]{8,}$/,
    "must be the webhook endpoint's signing secret (whsec_…)",
  ),
  apiBase: text("a URL").optional(),
};

const mpesaShape = {
  consumerKey: text("text").min(8, "is too short to be a Daraja consumer key").max(200),
  consumerSecret: text("text").min(8, "is too short to be a Daraja consumer secret").max(200),
  shortcode: text("digits").regex(/^\d{5,7}$/, "must be the 5 to 7 digit paybill or till number"),
  passkey: text("text").min(8, "is too short to be a Lipa na M-Pesa Online passkey").max(200),
  environment: z.enum(["sandbox", "production"], {
    error: (issue) => (issue.input === undefined ? "is required" : 'must be "sandbox" or "production"'),
  }),
  apiBase: text("a URL").optional(),
  transactionType: z
    .enum(["CustomerPayBillOnline", "CustomerBuyGoodsOnline"], {
      error: () => 'must be "CustomerPayBillOnline" (paybill) or "CustomerBuyGoodsOnline" (till)',
    })
    .optional(),
  // Buy Goods: the till that receives the money when it is not the shortcode (the store number).
  tillNumber: text("digits")
    .regex(/^\d{5,8}$/, "must be the 5 to 8 digit till number")
    .optional(),
};

function isLoopback(hostname: string): boolean {
  return hostname === "localhost" || hostname === "[::1]" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}

/** Checks an apiBase against the official one; returns it without a trailing slash. */
function checkApiBase(value: string, official: string, opts: ConfigOptions, ctx: z.RefinementCtx): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", path: ["apiBase"], message: "must be a URL" });
    return undefined;
  }
  const base = `${url.protocol}//${url.host}`;
  if ((url.pathname !== "/" && url.pathname !== "") || url.search || url.hash || url.username || url.password) {
    ctx.addIssue({ code: "custom", path: ["apiBase"], message: "must be just scheme://host[:port]" });
    return undefined;
  }
  if (base === official) return base;
  if (opts.allowLoopbackApiBase && (url.protocol === "http:" || url.protocol === "https:") && isLoopback(url.hostname))
    return base;
  ctx.addIssue({ code: "custom", path: ["apiBase"], message: `must be ${official} (or left out)` });
  return undefined;
}

function stripeSchema(opts: ConfigOptions) {
  return z.strictObject(stripeShape).transform((c, ctx) => {
    if (c.apiBase === undefined) return c;
    const apiBase = checkApiBase(c.apiBase, STRIPE_API_BASE, opts, ctx);
    return apiBase === undefined ? z.NEVER : { ...c, apiBase };
  });
}

function mpesaSchema(opts: ConfigOptions) {
  return z.strictObject(mpesaShape).transform((c, ctx) => {
    if (c.apiBase === undefined) return c;
    const apiBase = checkApiBase(c.apiBase, MPESA_API_BASES[c.environment], opts, ctx);
    return apiBase === undefined ? z.NEVER : { ...c, apiBase };
  });
}

/** Production schemas (official API bases only), e.g. for an OpenAPI document of the settings route. */
export const stripeConfigSchema = stripeSchema({});
export const mpesaConfigSchema = mpesaSchema({});

export type StripeConfig = z.output<typeof stripeConfigSchema>;
export type MpesaConfig = z.output<typeof mpesaConfigSchema>;
export type ProviderConfig = StripeConfig | MpesaConfig;

export function configSchemaFor(name: "stripe", opts?: ConfigOptions): ReturnType<typeof stripeSchema>;
export function configSchemaFor(name: "mpesa", opts?: ConfigOptions): ReturnType<typeof mpesaSchema>;
export function configSchemaFor(
  name: ProviderName,
  opts?: ConfigOptions,
): ReturnType<typeof stripeSchema> | ReturnType<typeof mpesaSchema>;
export function configSchemaFor(name: ProviderName, opts: ConfigOptions = {}) {
  return name === "stripe" ? stripeSchema(opts) : mpesaSchema(opts);
}

const PROVIDER_LABEL: Record<ProviderName, string> = { stripe: "Stripe", mpesa: "M-Pesa" };

function issuesOf(error: z.ZodError): ConfigIssue[] {
  return error.issues.map((i) => ({
    path: i.path.map(String).join("."),
    message: i.code === "unrecognized_keys" ? `unknown setting(s) ${i.keys.join(", ")}` : i.message,
  }));
}

/** Validates what the tenant typed; throws PaymentConfigError naming every bad field. */
export function parseProviderConfig(name: "stripe", input: unknown, opts?: ConfigOptions): StripeConfig;
export function parseProviderConfig(name: "mpesa", input: unknown, opts?: ConfigOptions): MpesaConfig;
export function parseProviderConfig(name: ProviderName, input: unknown, opts?: ConfigOptions): ProviderConfig;
export function parseProviderConfig(name: ProviderName, input: unknown, opts: ConfigOptions = {}): ProviderConfig {
  const result = configSchemaFor(name, opts).safeParse(input);
  if (!result.success) throw new PaymentConfigError(issuesOf(result.error), PROVIDER_LABEL[name]);
  return result.data;
}

const last4 = (s: string) => s.slice(-4);

/**
 * The parts of a tenant's settings the panel may show back. Secrets never appear: only the last
 * four characters of the (non-secret or identifying) key, as the providers' own dashboards do.
 */
export function publicFields(name: ProviderName, config: unknown): Record<string, string> {
  if (name === "stripe") {
    const c = parseProviderConfig("stripe", config, { allowLoopbackApiBase: true });
    return {
      mode: c.secretKey.includes("_live_") ? "live" : "test",
      keyType: c.secretKey.startsWith("rk_") ? "restricted" : "secret",
      secretKeyLast4: last4(c.secretKey),
      ...(c.apiBase && c.apiBase !== STRIPE_API_BASE ? { apiBase: c.apiBase } : {}),
    };
  }
  const c = parseProviderConfig("mpesa", config, { allowLoopbackApiBase: true });
  return {
    environment: c.environment,
    shortcode: c.shortcode,
    transactionType: c.transactionType ?? "CustomerPayBillOnline",
    ...(c.tillNumber ? { tillNumber: c.tillNumber } : {}),
    consumerKeyLast4: last4(c.consumerKey),
    ...(c.apiBase && c.apiBase !== MPESA_API_BASES[c.environment] ? { apiBase: c.apiBase } : {}),
  };
}
