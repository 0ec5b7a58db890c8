import { z } from "zod";
import { docTables, pageOf, rowSchema } from "../../openapi.ts";

/** An IPv6 pool with its prefix counts: size in all, used by subscribers, free. */
export const v6PoolView = rowSchema(docTables.ipv6Pools).extend({
  size: z.number().int(),
  used: z.number().int(),
  free: z.number().int(),
});
export const v6PoolPage = pageOf(v6PoolView);
/** One assignable prefix of a pool and who holds it (username null when free). */
export const v6AllocationPage = pageOf(
  rowSchema(docTables.ipv6Allocations).omit({ poolId: true }).extend({ username: z.string().nullable() }),
);
