import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { forbidden } from "../../errors.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { requireModule } from "../../middleware/modules.ts";
import { jsonResponse } from "../../openapi.ts";
import { pageQuery } from "../../pagination.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import { isGrantable } from "../permission-groups/permission-groups.ts";
import { transactionRow } from "../transactions/responses.ts";
import {
  createReseller,
  getReseller,
  listResellers,
  RESELLER_SORTS,
  resellerAccount,
  topUpReseller,
  updateReseller,
} from "./resellers.ts";
import { resellerAccountBody, resellerPage, resellerView } from "./responses.ts";

const listQuery = z.object({
  ...pageQuery,
  sort: z.enum(RESELLER_SORTS).default("name"),
  order: z.enum(["asc", "desc"]).default("asc"),
});
const name = z.string().trim().min(1).max(100);
const createBody = z
  .object({
    name,
    email: z.string().trim().email().max(254),
    password: z.string().min(10, "must be at least 10 characters").max(256),
    permissions: z
      .array(z.string().refine(isGrantable, { message: "unknown permission" }))
      .max(100)
      .optional(),
  })
  .strict();
const updateBody = z
  .object({ name: name.optional(), isActive: z.boolean().optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" });
const topUpBody = z
  .object({
    amountCents: z.number().int().min(1).max(1_000_000_000),
    description: z.string().trim().min(1).max(500).optional(),
  })
  .strict();
const idParam = z.object({ id: z.uuid() });

export function resellerRoutes(deps: AppDeps) {
  const view = requirePermission("resellers.view");
  const edit = requirePermission("resellers.edit");
  return (
    new Hono<AppEnv>()
      .use(requireTenantAuth(deps))
      .use(requireModule("resellers"))
      // A reseller's own account: its balance and its latest movements (top-ups, charges), for its
      // dashboard. Only for a reseller's login; anyone else has no reseller account to show.
      .get("/me", jsonResponse(resellerAccountBody, "The signed-in reseller's balance and movements"), async (c) => {
        const ctx = serviceCtx(c);
        if (!ctx.actor.resellerId) throw forbidden("This account is not a reseller's");
        return c.json(await resellerAccount({ ctx, input: { resellerId: ctx.actor.resellerId } }));
      })
      .get("/", jsonResponse(resellerPage, "A page of resellers"), view, validate("query", listQuery), async (c) =>
        c.json(await listResellers({ ctx: serviceCtx(c), input: c.req.valid("query") })),
      )
      .get(
        "/:id",
        jsonResponse(z.object({ reseller: resellerView }), "The reseller"),
        view,
        validate("param", idParam),
        async (c) => c.json({ reseller: await getReseller({ ctx: serviceCtx(c), input: c.req.valid("param") }) }),
      )
      .post(
        "/",
        jsonResponse(z.object({ reseller: resellerView }), "The new reseller", { status: 201 }),
        edit,
        validate("json", createBody),
        async (c) =>
          c.json({ reseller: await createReseller({ ctx: serviceCtx(c), input: c.req.valid("json") }) }, 201),
      )
      .patch(
        "/:id",
        jsonResponse(z.object({ reseller: resellerView }), "The reseller as changed"),
        edit,
        validate("param", idParam),
        validate("json", updateBody),
        async (c) =>
          c.json({
            reseller: await updateReseller(deps, {
              ctx: serviceCtx(c),
              input: { id: c.req.valid("param").id, changes: c.req.valid("json") },
            }),
          }),
      )
      .post(
        "/:id/topup",
        jsonResponse(z.object({ transaction: transactionRow }), "The top-up, recorded", { status: 201 }),
        edit,
        validate("param", idParam),
        validate("json", topUpBody),
        async (c) =>
          c.json(
            {
              transaction: await topUpReseller({
                ctx: serviceCtx(c),
                input: { id: c.req.valid("param").id, ...c.req.valid("json") },
              }),
            },
            201,
          ),
      )
  );
}
