import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { notFound } from "../../errors.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { jsonResponse, noContent } from "../../openapi.ts";
import { pageQuery } from "../../pagination.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import {
  allocateAddress,
  createPool,
  deletePool,
  getPool,
  listAllocations,
  listPools,
  POOL_SORTS,
  releaseAddress,
  updatePool,
} from "./ip-pools.ts";
import { allocated, allocationPage, poolPage, poolView } from "./responses.ts";

const name = z.string().trim().min(1).max(100);
const createBody = z
  .object({
    name,
    cidr: z.cidrv4(),
    rangeStart: z.ipv4().optional(),
    rangeEnd: z.ipv4().optional(),
    // Kept back from allocation; omitted = the first usable address, null = none.
    gateway: z.ipv4().nullable().optional(),
  })
  .strict();
const updateBody = z
  .object({ name: name.optional(), gateway: z.ipv4().nullable().optional() })
  .strict()
  .refine((b) => b.name !== undefined || b.gateway !== undefined, { message: "name or gateway is required" });
const allocateBody = z
  .object({ subscriberId: z.string().uuid(), sessionId: z.string().max(100).nullable().optional() })
  .strict();

const listQuery = z.object({
  ...pageQuery,
  sort: z.enum(POOL_SORTS).default("name"),
  order: z.enum(["asc", "desc"]).default("asc"),
});
const allocationsQuery = z.object({
  page: pageQuery.page,
  limit: pageQuery.limit,
  search: pageQuery.search,
  state: z.enum(["free", "used"]).optional(),
});
const idParam = z.object({ id: z.string().uuid() });
const addressParam = z.object({ id: z.string().uuid(), address: z.ipv4() });

export function ipPoolRoutes(deps: AppDeps) {
  return (
    new Hono<AppEnv>()
      .use(requireTenantAuth(deps))
      .get(
        "/",
        jsonResponse(poolPage, "A page of pools"),
        requirePermission("pools.view"),
        validate("query", listQuery),
        async (c) => c.json(await listPools({ ctx: serviceCtx(c), input: c.req.valid("query") })),
      )
      .get(
        "/:id",
        jsonResponse(z.object({ pool: poolView }), "The pool"),
        requirePermission("pools.view"),
        validate("param", idParam),
        async (c) => c.json({ pool: await getPool({ ctx: serviceCtx(c), input: c.req.valid("param") }) }),
      )
      .post(
        "/",
        jsonResponse(z.object({ pool: poolView }), "The new pool", { status: 201 }),
        requirePermission("pools.edit"),
        validate("json", createBody),
        async (c) => c.json({ pool: await createPool({ ctx: serviceCtx(c), input: c.req.valid("json") }) }, 201),
      )
      .patch(
        "/:id",
        jsonResponse(z.object({ pool: poolView }), "The pool, renamed"),
        requirePermission("pools.edit"),
        validate("param", idParam),
        validate("json", updateBody),
        async (c) =>
          c.json({
            pool: await updatePool({ ctx: serviceCtx(c), input: { ...c.req.valid("param"), ...c.req.valid("json") } }),
          }),
      )
      .delete("/:id", noContent("Deleted"), requirePermission("pools.edit"), validate("param", idParam), async (c) => {
        await deletePool({ ctx: serviceCtx(c), input: c.req.valid("param") });
        return c.body(null, 204);
      })
      .get(
        "/:id/allocations",
        jsonResponse(allocationPage, "A page of the pool's addresses"),
        requirePermission("pools.view"),
        validate("param", idParam),
        validate("query", allocationsQuery),
        async (c) =>
          c.json(
            await listAllocations({
              ctx: serviceCtx(c),
              input: { poolId: c.req.valid("param").id, ...c.req.valid("query") },
            }),
          ),
      )
      // Manual reservation; RADIUS calls allocateAddress directly.
      .post(
        "/:id/allocations",
        jsonResponse(allocated, "The reserved address", { status: [200, 201] }),
        requirePermission("pools.edit"),
        validate("param", idParam),
        validate("json", allocateBody),
        async (c) => {
          const result = await allocateAddress({
            ctx: serviceCtx(c),
            input: { poolId: c.req.valid("param").id, ...c.req.valid("json") },
          });
          return c.json(result, result.reused ? 200 : 201);
        },
      )
      .delete(
        "/:id/allocations/:address",
        noContent("Released"),
        requirePermission("pools.edit"),
        validate("param", addressParam),
        async (c) => {
          const { id, address } = c.req.valid("param");
          const freed = await releaseAddress({ ctx: serviceCtx(c), input: { poolId: id, address } });
          if (!freed) throw notFound("This address is not allocated in this pool");
          return c.body(null, 204);
        },
      )
  );
}
