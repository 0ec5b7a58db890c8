import { z } from "zod";
import { PaymentInputError } from "./errors.ts";
import type { StartPaymentInput } from "./types.ts";

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL" });

const startInput = z.object({
  reference: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1 to 64 letters, digits, '-' or '_' (our payment id)"),
  amountCents: z.number().int("must be whole cents").positive("must be positive").max(Number.MAX_SAFE_INTEGER),
  currency: z.string().regex(/^[A-Z]{3}$/, "must be an upper-case ISO 4217 code"),
  description: z.string().trim().min(1, "is required").max(500),
  customer: z.object({
    // Only a prefill for Stripe's page: a malformed address is left out rather than blocking the payment.
    email: z
      .string()
      .nullish()
      .transform((e) => (e && z.email().max(254).safeParse(e.trim()).success ? e.trim() : null)),
    phone: z.string().max(32).nullish(),
  }),
  returnUrl: httpUrl,
  callbackUrl: httpUrl,
});

/** Checks the caller's input before anything is sent; the first problem becomes a PaymentInputError. */
export function checkStartInput(input: StartPaymentInput): StartPaymentInput {
  const result = startInput.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.map(String).join(".") ?? "";
  throw new PaymentInputError(field, `${field || "input"} ${issue?.message ?? "is invalid"}`);
}
