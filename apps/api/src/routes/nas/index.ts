import type { Context } from "hono";
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
  createNas,
  deleteNas,
  getNas,
  listNas,
  NAS_CHANNEL,
  NAS_SORTS,
  type NasDeps,
  revealNasSecret,
  rotateNasSecret,
  updateNas,
} from "./nas.ts";
import { nasCreated, nasPage, nasRow, nasView, secretBody } from "./responses.ts";

// Printable ASCII only: RADIUS secrets are typed into router consoles and must survive that.
const secret = z
  .string()
  .min(8)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

const nasBody = z
  .object({
    name: z.string().trim().min(1).max(100),
    ipAddress: z.union([z.ipv4(), z.ipv6()]),
    identifier: z.string().trim().min(1).max(253).nullable().optional(),
    type: z.enum(["mikrotik", "generic"]).optional(),
    coaPort: z.number().int().min(1).max(65535).optional(),
    requireMessageAuthenticator: z.boolean().optional(),
    // Probe with RFC 5997 Status-Server on the CoA port (only for NAS that answer it).
    statusServer: z.boolean().optional(),
    description: z.string().max(1000).optional(),
  })
  .strict();

const createBody = nasBody.extend({ secret: secret.optional() }).strict();
const updateBody = nasBody
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, "nothing to change");
const rotateBody = z.object({ secret: secret.optional() }).strict();

const listQuery = z.object({
  ...pageQuery,
  type: z.enum(["mikrotik", "generic"]).optional(),
  sort: z.enum(NAS_SORTS).default("name"),
  order: z.enum(["asc", "desc"]).default("asc"),
});
const idParam = z.object({ id: z.string().uuid() });

export function nasRoutes(deps: AppDeps) {
  const nasDeps = async (c: Context<AppEnv>): Promise<NasDeps> => ({
    key: await deps.keys.forTenant(c.get("tenant").id),
    claimTtlHours: deps.config.CLAIM_TTL_HOURS,
    publish: async (event) => {
      // The change is committed; a lost reload signal must not turn into a failed request.
      await deps.state
        .publish(NAS_CHANNEL, JSON.stringify(event))
        .catch((err: unknown) => c.get("logger").error({ err, event }, "NAS change not published"));
    },
  });

  return (
    new Hono<AppEnv>()
      .use(requireTenantAuth(deps))
      .get(
        "/",
        jsonResponse(nasPage, "A page of NAS devices"),
        requirePermission("nas.view"),
        validate("query", listQuery),
        async (c) => c.json(await listNas({ ctx: serviceCtx(c), input: c.req.valid("query") })),
      )
      .get(
        "/:id",
        jsonResponse(z.object({ nas: nasView }), "The NAS and its health"),
        requirePermission("nas.view"),
        validate("param", idParam),
        async (c) => c.json({ nas: await getNas({ ctx: serviceCtx(c), input: c.req.valid("param") }) }),
      )
      .post(
        "/",
        jsonResponse(nasCreated, "The new NAS and its secret", { status: 201 }),
        requirePermission("nas.edit"),
        validate("json", createBody),
        async (c) => c.json(await createNas(await nasDeps(c), { ctx: serviceCtx(c), input: c.req.valid("json") }), 201),
      )
      .patch(
        "/:id",
        jsonResponse(z.object({ nas: nasRow }), "The NAS as changed"),
        requirePermission("nas.edit"),
        validate("param", idParam),
        validate("json", updateBody),
        async (c) =>
          c.json({
            nas: await updateNas(await nasDeps(c), {
              ctx: serviceCtx(c),
              input: { id: c.req.valid("param").id, changes: c.req.valid("json") },
            }),
          }),
      )
      .delete("/:id", noContent("Deleted"), requirePermission("nas.edit"), validate("param", idParam), async (c) => {
        await deleteNas(await nasDeps(c), { ctx: serviceCtx(c), input: c.req.valid("param") });
        return c.body(null, 204);
      })
      // Revealing is an edit-level act: the secret lets anyone impersonate the NAS.
      .post(
        "/:id/reveal-secret",
        jsonResponse(secretBody, "The current secret"),
        requirePermission("nas.edit"),
        validate("param", idParam),
        async (c) =>
          c.json({
            secret: await revealNasSecret(await nasDeps(c), { ctx: serviceCtx(c), input: c.req.valid("param") }),
          }),
      )
      .post(
        "/:id/rotate-secret",
        jsonResponse(secretBody, "The new secret"),
        requirePermission("nas.edit"),
        validate("param", idParam),
        validate("json", rotateBody),
        async (c) =>
          c.json({
            secret: await rotateNasSecret(await nasDeps(c), {
              ctx: serviceCtx(c),
              input: { id: c.req.valid("param").id, ...c.req.valid("json") },
            }),
          }),
      )
  );
}
