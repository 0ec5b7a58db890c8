import { z } from "zod";
import { PaymentPayloadError } from "./errors.ts";

// The STK push result Safaricom posts to CallBackURL. It is NOT signed: what it claims is checked
// against the STK Push Query API before anyone believes it (see mpesa.ts).

const resultCode = z.union([
  z.number().int(),
  z
    .string()
    .regex(/^\d{1,10}$/)
    .transform(Number),
]);

const stkCallback = z.looseObject({
  Body: z.looseObject({
    stkCallback: z.looseObject({
      MerchantRequestID: z.string().min(1).max(128),
      CheckoutRequestID: z.string().min(1).max(128),
      ResultCode: resultCode,
      ResultDesc: z.string().max(1000),
      CallbackMetadata: z
        .looseObject({
          Item: z
            .array(
              z.looseObject({ Name: z.string().max(64), Value: z.union([z.string().max(256), z.number()]).optional() }),
            )
            .max(50),
        })
        .optional(),
    }),
  }),
});

export interface StkResult {
  merchantRequestId: string;
  checkoutRequestId: string;
  resultCode: number;
  resultDesc: string;
  /** Whole shillings; present on success. */
  amount?: number;
  receipt?: string;
}

export function parseStkCallback(rawBody: string): StkResult {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw new PaymentPayloadError("The M-Pesa callback body is not JSON");
  }
  const parsed = stkCallback.safeParse(json);
  if (!parsed.success) throw new PaymentPayloadError("The M-Pesa callback is not an stkCallback");
  const cb = parsed.data.Body.stkCallback;
  const items = new Map((cb.CallbackMetadata?.Item ?? []).map((i) => [i.Name, i.Value]));
  const result: StkResult = {
    merchantRequestId: cb.MerchantRequestID,
    checkoutRequestId: cb.CheckoutRequestID,
    resultCode: cb.ResultCode,
    resultDesc: cb.ResultDesc,
  };
  if (cb.ResultCode !== 0) return result;
  const amount = Number(items.get("Amount"));
  const receipt = items.get("MpesaReceiptNumber");
  if (!Number.isInteger(amount) || amount <= 0) {
    throw new PaymentPayloadError("A successful M-Pesa callback without a whole-shilling Amount");
  }
  if (typeof receipt !== "string" || !/^[A-Z0-9]{6,20}$/.test(receipt)) {
    throw new PaymentPayloadError("A successful M-Pesa callback without an MpesaReceiptNumber");
  }
  return { ...result, amount, receipt };
}
