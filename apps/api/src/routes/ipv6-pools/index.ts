import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { jsonResponse, noContent } from "../../openapi.ts";
import { pageQuery } from "../../pagination.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import {
  createV6Pool,
  deleteV6Pool,
  getV6Pool,
  listV6Allocations,
  listV6Pools,
  renameV6Pool,
  V6_POOL_SORTS,
} from "./ipv6-pools.ts";
import { v6AllocationPage, v6PoolPage, v6PoolView } from "./responses.ts";

const name = z.string().trim().min(1).max(100);
const createBody = z
  .object({
    name,
    // e.g. 2001:db8:100::/40; host bits are refused in the service, naming the field.
    prefix: z.cidrv6(),
    // /64 for a Framed-IPv6-Prefix, /56 or /60 for a delegated prefix.
    assignLength: z.number().int().min(48).max(128),
  })
  .strict();
const renameBody = z.object({ name }).strict();
const listQuery = z.object({
  ...pageQuery,
  sort: z.enum(V6_POOL_SORTS).default("name"),
  order: z.enum(["asc", "desc"]).default("asc"),
});
const allocationsQuery = z.object({
  page: pageQuery.page,
  limit: pageQuery.limit,
  state: z.enum(["free", "used"]).optional(),
});
const idParam = z.object({ id: z.string().uuid() });
const poolBody = z.object({ pool: v6PoolView });

/** IPv6 pools: prefixes for Framed-IPv6-Prefix and prefix delegation, same permissions as IPv4 pools. */
export function ipv6PoolRoutes(deps: AppDeps) {
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get(
      "/",
      jsonResponse(v6PoolPage, "A page of IPv6 pools"),
      requirePermission("pools.view"),
      validate("query", listQuery),
      async (c) => c.json(await listV6Pools({ ctx: serviceCtx(c), input: c.req.valid("query") })),
    )
    .get(
      "/:id",
      jsonResponse(poolBody, "The IPv6 pool"),
      requirePermission("pools.view"),
      validate("param", idParam),
      async (c) => c.json({ pool: await getV6Pool({ ctx: serviceCtx(c), input: c.req.valid("param") }) }),
    )
    .post(
      "/",
      jsonResponse(poolBody, "The new IPv6 pool", { status: 201 }),
      requirePermission("pools.edit"),
      validate("json", createBody),
      async (c) => c.json({ pool: await createV6Pool({ ctx: serviceCtx(c), input: c.req.valid("json") }) }, 201),
    )
    .patch(
      "/:id",
      jsonResponse(poolBody, "The IPv6 pool, renamed"),
      requirePermission("pools.edit"),
      validate("param", idParam),
      validate("json", renameBody),
      async (c) =>
        c.json({
          pool: await renameV6Pool({ ctx: serviceCtx(c), input: { ...c.req.valid("param"), ...c.req.valid("json") } }),
        }),
    )
    .delete("/:id", noContent("Deleted"), requirePermission("pools.edit"), validate("param", idParam), async (c) => {
      await deleteV6Pool({ ctx: serviceCtx(c), input: c.req.valid("param") });
      return c.body(null, 204);
    })
    .get(
      "/:id/allocations",
      jsonResponse(v6AllocationPage, "A page of the pool's prefixes"),
      requirePermission("pools.view"),
      validate("param", idParam),
      validate("query", allocationsQuery),
      async (c) =>
        c.json(
          await listV6Allocations({
            ctx: serviceCtx(c),
            input: { poolId: c.req.valid("param").id, ...c.req.valid("query") },
          }),
        ),
    );
}
