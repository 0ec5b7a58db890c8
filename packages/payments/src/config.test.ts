import { describe, expect, it } from "vitest";
import { parseProviderConfig, publicFields } from "./config.ts";
import { PaymentConfigError } from "./errors.ts";
import { createProvider } from "./factory.ts";

const stripe = { secretKey: "sk_test_51Habcdefghijklmnop1234", webhookSecret: "whsec_abcdefghijklmnopqrstuv" };
const mpesa = {
  consumerKey: "GTWADFxIpUfDoNikNGqq1C3023evM6UH",
  consumerSecret: "amFbAoUByPV2rM5A",
  shortcode: "174379",
  passkey: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
  environment: "sandbox",
};

function issuesOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PaymentConfigError);
    return { message: (err as PaymentConfigError).message, issues: (err as PaymentConfigError).issues };
  }
  throw new Error("expected a PaymentConfigError");
}

describe("provider settings", () => {
  it("accepts what a tenant copies from the Stripe dashboard, trimmed", () => {
    expect(parseProviderConfig("stripe", { ...stripe, secretKey: ` ${stripe.secretKey} ` })).toEqual(stripe);
    expect(parseProviderConfig("stripe", { ...stripe, secretKey: "rk_live_51Habcdefghij" }).secretKey).toBe(
      "rk_live_51Habcdefghij",
    );
  });

  it("names every bad Stripe field in one message", () => {
    const { message, issues } = issuesOf(() =>
      parseProviderConfig("stripe", { secretKey: "pk_test_123456789012", webhookSecret: "" }),
    );
    expect(issues.map((i) => i.path)).toEqual(["secretKey", "webhookSecret"]);
    expect(message).toMatch(/^Invalid Stripe settings: secretKey: must be a Stripe secret key/);
    expect(message).toMatch(/webhookSecret: must be the webhook endpoint's signing secret \(whsec_…\)/);
  });

  it("says 'is required' for a missing field and names unknown ones", () => {
    const { issues } = issuesOf(() => parseProviderConfig("mpesa", { ...mpesa, passkey: undefined, secret_key: "x" }));
    expect(issues).toContainEqual({ path: "passkey", message: "is required" });
    expect(issues).toContainEqual({ path: "", message: "unknown setting(s) secret_key" });
  });

  it("checks the M-Pesa shortcode, environment and transaction type", () => {
    const { issues } = issuesOf(() =>
      parseProviderConfig("mpesa", { ...mpesa, shortcode: "17a379", environment: "live", transactionType: "Pay" }),
    );
    expect(issues).toEqual([
      { path: "shortcode", message: "must be the 5 to 7 digit paybill or till number" },
      { path: "environment", message: 'must be "sandbox" or "production"' },
      {
        path: "transactionType",
        message: 'must be "CustomerPayBillOnline" (paybill) or "CustomerBuyGoodsOnline" (till)',
      },
    ]);
  });

  it("takes the official API base (slash or not) and refuses any other address", () => {
    expect(parseProviderConfig("stripe", { ...stripe, apiBase: "https://api.stripe.com/" }).apiBase).toBe(
      "https://api.stripe.com",
    );
    expect(
      parseProviderConfig("mpesa", { ...mpesa, environment: "production", apiBase: "https://api.safaricom.co.ke" })
        .apiBase,
    ).toBe("https://api.safaricom.co.ke");
    // The sandbox address with production credentials is a mistake, not a choice.
    expect(
      issuesOf(() =>
        parseProviderConfig("mpesa", {
          ...mpesa,
          environment: "production",
          apiBase: "https://sandbox.safaricom.co.ke",
        }),
      ).issues,
    ).toEqual([{ path: "apiBase", message: "must be https://api.safaricom.co.ke (or left out)" }]);
    expect(
      issuesOf(() => parseProviderConfig("stripe", { ...stripe, apiBase: "https://api.stripe.com/v1" })).issues,
    ).toEqual([{ path: "apiBase", message: "must be just scheme://host[:port]" }]);
  });

  it("accepts a loopback API base only when the caller allows it (the fakes)", () => {
    const local = { ...stripe, apiBase: "http://127.0.0.1:4242" };
    expect(issuesOf(() => parseProviderConfig("stripe", local)).issues[0]?.path).toBe("apiBase");
    expect(issuesOf(() => createProvider("stripe", local)).issues[0]?.path).toBe("apiBase");
    expect(parseProviderConfig("stripe", local, { allowLoopbackApiBase: true }).apiBase).toBe("http://127.0.0.1:4242");
    // Loopback means loopback: not the cloud metadata service, not a private network.
    for (const apiBase of ["http://169.254.169.254", "http://10.0.0.5:8080", "http://127.0.0.1.evil.test"]) {
      expect(
        issuesOf(() => parseProviderConfig("stripe", { ...stripe, apiBase }, { allowLoopbackApiBase: true })).issues[0]
          ?.path,
      ).toBe("apiBase");
    }
  });

  it("shows back only what is not secret", () => {
    const s = publicFields("stripe", stripe);
    expect(s).toEqual({ mode: "test", keyType: "secret", secretKeyLast4: "1234" });
    const m = publicFields("mpesa", { ...mpesa, transactionType: "CustomerBuyGoodsOnline", tillNumber: "5123456" });
    expect(m).toEqual({
      environment: "sandbox",
      shortcode: "174379",
      transactionType: "CustomerBuyGoodsOnline",
      tillNumber: "5123456",
      consumerKeyLast4: "M6UH",
    });
    const shown = JSON.stringify([s, m]);
    for (const secret of [
      stripe.secretKey,
      stripe.webhookSecret,
      mpesa.consumerSecret,
      mpesa.passkey,
      mpesa.consumerKey,
    ]) {
      expect(shown).not.toContain(secret);
    }
  });

  it("never repeats a secret in a validation message", () => {
    const { message } = issuesOf(() =>
      parseProviderConfig("stripe", { secretKey: "sk_test_has spaces secret", webhookSecret: "whsec_ok but spaced" }),
    );
    expect(message).not.toContain("has spaces secret");
    expect(message).not.toContain("ok but spaced");
  });
});
