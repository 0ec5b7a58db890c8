import { billingSettingsSchema } from "@proxpanel/billing";
import { z } from "zod";
import { docTables, rowSchema } from "../../openapi.ts";

/** A tax rate as stored (basis points: 1600 = 16 %). */
export const taxRateRow = rowSchema(docTables.taxRates);
export const taxRateList = z.object({ items: z.array(taxRateRow) });
export const taxRateBody = z.object({ taxRate: taxRateRow });
/** The tenant's billing preferences, one document (the same schema the billing package stores). */
export const billingSettings = billingSettingsSchema;
