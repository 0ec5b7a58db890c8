import { z } from "zod";
import { docTables, rowSchema } from "../../openapi.ts";

/** An online payment as its subscriber sees it (never the callback token or provider event id). */
export const paymentRow = rowSchema(docTables.onlinePayments).omit({ callbackToken: true, lastEventId: true });
export const paymentList = z.object({
  items: z.array(
    paymentRow.pick({
      id: true,
      provider: true,
      purpose: true,
      invoiceId: true,
      amountCents: true,
      currency: true,
      status: true,
      failureReason: true,
      createdAt: true,
      completedAt: true,
    }),
  ),
});
/** A started payment: where to send the subscriber (card), or what their phone will show (M-Pesa). */
export const paymentStarted = z.object({
  payment: paymentRow,
  redirectUrl: z.string().optional(),
  customerMessage: z.string().optional(),
});
const provider = rowSchema(docTables.paymentProviders)
  .pick({ provider: true, enabled: true })
  .extend({ publicInfo: z.record(z.string(), z.string()) });
/** The tenant's provider accounts: never their secrets, only what identifies them. */
export const providerList = z.object({ items: z.array(provider.extend({ updatedAt: z.iso.datetime() })) });
export const providerSaved = z.object({ provider });
export const stripeReceived = z.object({
  received: z.literal(true),
  result: z.enum(["ignored", "settled", "failed", "duplicate", "mismatch", "unknown"]),
});
/** What Daraja expects back from a callback. */
export const mpesaAccepted = z.object({ ResultCode: z.literal(0), ResultDesc: z.string() });
