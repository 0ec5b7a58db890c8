import { z } from "zod";
import { docTables, pageOf, rowSchema } from "../../openapi.ts";

/** A service plan as stored. */
export const planRow = rowSchema(docTables.servicePlans);
/** MikroTik's rate-limit string for the plan's speeds and burst. */
const rateLimit = z.string();
export const planDetail = planRow.extend({ rateLimit });
export const planPage = pageOf(planRow.extend({ rateLimit, subscribers: z.number().int() }));
