import { PAYMENT_METHODS } from "@proxpanel/db";
import { z } from "zod";
import { isoDate } from "../../validate.ts";

/**
 * How money that came in is recorded, on an invoice payment or a payment on account: method,
 * reference (slip number, M-Pesa code...) and the day it was received (not in the future).
 */
export const receiptFields = {
  method: z.enum(PAYMENT_METHODS).optional(),
  reference: z.string().trim().min(1).max(200).optional(),
  receivedAt: isoDate.refine((d) => d.getTime() <= Date.now() + 5 * 60_000, "cannot be in the future").optional(),
};
