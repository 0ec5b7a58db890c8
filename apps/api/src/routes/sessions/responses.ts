import { z } from "zod";
import { docTables, pageOf, rowSchema } from "../../openapi.ts";

/** A RADIUS accounting session as stored (open while stopTime is null). */
export const sessionRow = rowSchema(docTables.radacct).extend({ acctUniqueId: z.string() });
export const sessionPage = pageOf(sessionRow);

/** Traffic of one day of the tenant's calendar; every day of the period is listed, zeros included. */
export const dailyUsage = z.object({
  day: z.iso.date(),
  /** Octets from the subscriber (upload). */
  inputOctets: z.number(),
  /** Octets to the subscriber (download). */
  outputOctets: z.number(),
  sessions: z.number().int(),
});
export const tenantUsageBody = z.object({ days: z.number().int(), timezone: z.string(), usage: z.array(dailyUsage) });
export const subscriberUsageBody = z.object({
  subscriberId: z.uuid(),
  days: z.number().int(),
  usage: z.array(dailyUsage),
});
export const disconnectBody = z.object({
  disconnected: z.object({
    sessionId: z.number().int(),
    username: z.string(),
    nasId: z.uuid(),
    outcome: z.literal("ack"),
    attempts: z.number().int(),
  }),
});
