import { describe, expect, it } from "vitest";
import { PaymentInputError } from "./errors.ts";
import { fromStripeAmount, toStripeAmount } from "./money.ts";
import {
  accountReference,
  mpesaPassword,
  mpesaTimestamp,
  normaliseKenyanPhone,
  toShillings,
  transactionDesc,
} from "./mpesa-format.ts";

describe("M-Pesa formats", () => {
  it.each([
    ["0712345678", "254712345678"],
    ["0712 345 678", "254712345678"],
    ["+254712345678", "254712345678"],
    ["254712345678", "254712345678"],
    ["+254 (0)712 345678", "254712345678"], // the trunk 0 kept after the country code
    ["0112345678", "254112345678"],
    ["+254-112-345-678", "254112345678"],
    ["0812345678", null], // not a mobile range
    ["071234567", null], // a digit short
    ["07123456789", null], // a digit long
    ["712345678", null], // no prefix: refused rather than guessed
    ["+255712345678", null], // Tanzania
    ["254712345678; DROP", null],
  ])("normalises %s → %s", (input, expected) => {
    if (expected) expect(normaliseKenyanPhone(input)).toBe(expected);
    else expect(() => normaliseKenyanPhone(input)).toThrow(PaymentInputError);
  });

  it("stamps in Nairobi time (UTC+3), across midnight and the year", () => {
    expect(mpesaTimestamp(new Date("2024-12-31T21:30:05Z"))).toBe("20250101003005");
    expect(mpesaTimestamp(new Date("2024-06-01T08:00:00Z"))).toBe("20240601110000");
  });

  it("derives the password as base64(shortcode + passkey + timestamp)", () => {
    const password = mpesaPassword("174379", "passkey", "20240601110000");
    expect(Buffer.from(password, "base64").toString()).toBe("174379passkey20240601110000");
  });

  it("takes whole Kenyan shillings only, with a clear reason", () => {
    expect(toShillings(150_000, "KES")).toBe(1500);
    expect(() => toShillings(150_050, "KES")).toThrow(
      "M-Pesa takes whole shillings only: KES 1500.50 cannot be charged",
    );
    expect(() => toShillings(150_000, "USD")).toThrow("M-Pesa takes Kenyan shillings (KES) only, not USD");
    try {
      toShillings(1, "KES");
    } catch (err) {
      expect(err).toMatchObject({ field: "amountCents" });
    }
  });

  it("keeps AccountReference within 12 and TransactionDesc within 13 plain characters", () => {
    expect(accountReference("3f2a9c1e-77b0-4c1d-9e6f-0a1b2c3d4e5f")).toBe("3F2A9C1E77B0");
    expect(transactionDesc("Invoice #1042 — June")).toBe("Invoice 1042");
    expect(transactionDesc("Renewal: Home Fibre 20 Mbit/s")).toBe("Renewal Home");
    expect(transactionDesc("###")).toBe("Payment");
  });
});

describe("Stripe amounts", () => {
  it("converts our cents to each currency's minor unit and back", () => {
    expect(toStripeAmount(1999, "USD")).toBe(1999);
    expect(toStripeAmount(5_000_000, "UGX")).toBe(50_000);
    expect(fromStripeAmount(50_000, "UGX")).toBe(5_000_000);
    expect(toStripeAmount(1250, "KWD")).toBe(12_500);
    expect(fromStripeAmount(12_500, "KWD")).toBe(1250);
    expect(() => toStripeAmount(5_000_050, "UGX")).toThrow(/UGX has no minor unit/);
  });
});
