import { z } from "zod";
import { docTables, keysetOf, rowSchema } from "../../openapi.ts";

/** One audit entry as stored (details: what changed, before and after). */
export const auditEntry = rowSchema(docTables.auditLogs).extend({ details: z.record(z.string(), z.json()) });
export const auditPage = keysetOf(auditEntry);
