import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { jsonResponse, noContent } from "../../openapi.ts";
import { pageQuery } from "../../pagination.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import { userBody, userDetail, userPage } from "./responses.ts";
import {
  createUser,
  deleteUser,
  getUser,
  listUsers,
  resetUserPassword,
  setUserStatus,
  USER_SORTS,
  updateUser,
} from "./users.ts";

const userAnswer = (description: string, status?: 201) =>
  jsonResponse(z.object({ user: userBody }), description, status ? { status } : {});

const listQuery = z.object({
  ...pageQuery,
  status: z.enum(["active", "disabled"]).optional(),
  sort: z.enum(USER_SORTS).default("email"),
  order: z.enum(["asc", "desc"]).default("asc"),
});
const idParam = z.object({ id: z.uuid() });
const password = z.string().min(10, "must be at least 10 characters").max(256);
const name = z.string().trim().max(200);
const groupId = z.uuid().nullable();

const createBody = z
  .object({
    email: z.string().trim().email().max(254),
    name: name.optional(),
    password,
    permissionGroupId: groupId.optional(),
  })
  .strict();
const updateBody = z
  .object({ name: name.optional(), permissionGroupId: groupId.optional() })
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: "nothing to change" });
const passwordBody = z.object({ password }).strict();

export function userRoutes(deps: AppDeps) {
  const view = requirePermission("users.view");
  const edit = requirePermission("users.edit");
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get("/", jsonResponse(userPage, "A page of staff accounts"), view, validate("query", listQuery), async (c) =>
      c.json(await listUsers({ ctx: serviceCtx(c), input: c.req.valid("query") })),
    )
    .get(
      "/:id",
      jsonResponse(z.object({ user: userDetail }), "The account and its permissions"),
      view,
      validate("param", idParam),
      async (c) => c.json({ user: await getUser({ ctx: serviceCtx(c), input: c.req.valid("param") }) }),
    )
    .post("/", userAnswer("The new account", 201), edit, validate("json", createBody), async (c) =>
      c.json({ user: await createUser({ ctx: serviceCtx(c), input: c.req.valid("json") }) }, 201),
    )
    .patch(
      "/:id",
      userAnswer("The account as changed"),
      edit,
      validate("param", idParam),
      validate("json", updateBody),
      async (c) =>
        c.json({
          user: await updateUser(deps, {
            ctx: serviceCtx(c),
            input: { id: c.req.valid("param").id, changes: c.req.valid("json") },
          }),
        }),
    )
    .post("/:id/disable", userAnswer("The account, disabled"), edit, validate("param", idParam), async (c) =>
      c.json({
        user: await setUserStatus(deps, {
          ctx: serviceCtx(c),
          input: { id: c.req.valid("param").id, status: "disabled" },
        }),
      }),
    )
    .post("/:id/enable", userAnswer("The account, enabled"), edit, validate("param", idParam), async (c) =>
      c.json({
        user: await setUserStatus(deps, {
          ctx: serviceCtx(c),
          input: { id: c.req.valid("param").id, status: "active" },
        }),
      }),
    )
    .post(
      "/:id/reset-password",
      userAnswer("The account; its sessions are signed out"),
      edit,
      validate("param", idParam),
      validate("json", passwordBody),
      async (c) =>
        c.json({
          user: await resetUserPassword(deps, {
            ctx: serviceCtx(c),
            input: { id: c.req.valid("param").id, password: c.req.valid("json").password },
          }),
        }),
    )
    .delete("/:id", noContent("Deleted"), edit, validate("param", idParam), async (c) => {
      await deleteUser(deps, { ctx: serviceCtx(c), input: c.req.valid("param") });
      return c.body(null, 204);
    });
}
