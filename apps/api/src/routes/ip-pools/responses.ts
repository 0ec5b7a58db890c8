import { z } from "zod";
import { docTables, pageOf, rowSchema } from "../../openapi.ts";

/** A pool with its address counts: size in all, used by subscribers, free. */
export const poolView = rowSchema(docTables.ipPools).extend({
  size: z.number().int(),
  used: z.number().int(),
  free: z.number().int(),
});
export const poolPage = pageOf(poolView);
/** One address of a pool and who holds it. */
export const allocationRow = rowSchema(docTables.ipAllocations).omit({ poolId: true });
export const allocationPage = pageOf(allocationRow);
/** The reserved address; reused when the subscriber already held one (200 then, 201 when new). */
export const allocated = z.object({ address: z.string(), reused: z.boolean() });
