import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { jsonResponse, noContent } from "../../openapi.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import {
  createPermissionGroup,
  deletePermissionGroup,
  getPermissionGroup,
  isGrantable,
  listPermissionGroups,
  updatePermissionGroup,
} from "./permission-groups.ts";
import { groupList, groupRow, groupWithMembers } from "./responses.ts";

const permissions = z
  .array(z.string().refine(isGrantable, { message: 'unknown permission (use a catalogue name, "*" or "area.*")' }))
  .max(100);
const groupBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    description: z.string().trim().max(500).optional(),
    permissions,
  })
  .strict();
const updateBody = groupBody.partial().refine((b) => Object.keys(b).length > 0, { message: "nothing to change" });
const idParam = z.object({ id: z.uuid() });

export function permissionGroupRoutes(deps: AppDeps) {
  const view = requirePermission("users.view");
  const edit = requirePermission("users.edit");
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get("/", jsonResponse(groupList, "Every group and the permission catalogue"), view, async (c) =>
      c.json(await listPermissionGroups({ ctx: serviceCtx(c) })),
    )
    .get(
      "/:id",
      jsonResponse(z.object({ group: groupWithMembers }), "The group"),
      view,
      validate("param", idParam),
      async (c) => c.json({ group: await getPermissionGroup({ ctx: serviceCtx(c), input: c.req.valid("param") }) }),
    )
    .post(
      "/",
      jsonResponse(z.object({ group: groupRow }), "The new group", { status: 201 }),
      edit,
      validate("json", groupBody),
      async (c) =>
        c.json({ group: await createPermissionGroup({ ctx: serviceCtx(c), input: c.req.valid("json") }) }, 201),
    )
    .patch(
      "/:id",
      jsonResponse(z.object({ group: groupRow }), "The group as changed"),
      edit,
      validate("param", idParam),
      validate("json", updateBody),
      async (c) =>
        c.json({
          group: await updatePermissionGroup(deps, {
            ctx: serviceCtx(c),
            input: { id: c.req.valid("param").id, changes: c.req.valid("json") },
          }),
        }),
    )
    .delete("/:id", noContent("Deleted"), edit, validate("param", idParam), async (c) => {
      await deletePermissionGroup({ ctx: serviceCtx(c), input: c.req.valid("param") });
      return c.body(null, 204);
    });
}
