import { z } from "zod";
import { docTables, pageOf, rowSchema } from "../../openapi.ts";

/** A movement of a subscriber's or reseller's balance, as stored. */
export const transactionRow = rowSchema(docTables.transactions);
export const transactionPage = pageOf(transactionRow);
/** Money received over [from, to): in total and per day of the tenant's timezone. */
export const revenueBody = z.object({
  from: z.iso.datetime(),
  to: z.iso.datetime(),
  timezone: z.string(),
  revenueCents: z.number().int(),
  byDay: z.array(z.object({ day: z.iso.date(), cents: z.number().int() })),
});
