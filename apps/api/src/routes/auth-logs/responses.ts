import { z } from "zod";
import { docTables, pageOf, rowSchema } from "../../openapi.ts";

/** One RADIUS authentication, with the name of the NAS it came through (null once deleted). */
export const authLogLine = rowSchema(docTables.authLogs)
  .pick({
    id: true,
    createdAt: true,
    username: true,
    subscriberId: true,
    nasId: true,
    result: true,
    reason: true,
    method: true,
    callingStationId: true,
  })
  .extend({
    nasName: z.string().nullable(),
    /** Why, in plain words ("Connected" when accepted). */
    reasonText: z.string(),
  });
export const authLogPage = pageOf(authLogLine);
