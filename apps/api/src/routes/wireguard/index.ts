import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { requireModule } from "../../middleware/modules.ts";
import { fileResponse, jsonResponse, noContent } from "../../openapi.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import { peerCreated, subnetBody, wireguardOverviewBody } from "./responses.ts";
import {
  createPeer,
  deletePeer,
  ensureTenantSubnet,
  renderHostConfig,
  renderPeerConfig,
  wireguardHostFromEnv,
  wireguardOverview,
} from "./wireguard.ts";

const idParam = z.object({ id: z.string().uuid() });
const peerBody = z.object({ nasId: z.string().uuid() }).strict();
const CONF = { "content-type": "text/plain; charset=utf-8" };

export function wireguardRoutes(deps: AppDeps) {
  const host = wireguardHostFromEnv(deps.config.BASE_DOMAIN);
  return (
    new Hono<AppEnv>()
      .use(requireTenantAuth(deps))
      .use(requireModule("wireguard"))
      .get(
        "/",
        jsonResponse(wireguardOverviewBody, "Subnet, endpoint and peers"),
        requirePermission("wireguard.view"),
        async (c) => c.json(await wireguardOverview({ host }, { ctx: serviceCtx(c) })),
      )
      // Explicit allocation, so the host interface can exist before the first NAS does.
      .post(
        "/subnet",
        jsonResponse(subnetBody, "The tenant's /24 (taken now if it had none)"),
        requirePermission("wireguard.edit"),
        async (c) => {
          const ctx = serviceCtx(c);
          const { subnet } = await ctx.tenant.db.transaction((tx) => ensureTenantSubnet({ ctx: { ...ctx, db: tx } }));
          return c.json({ subnet });
        },
      )
      .get(
        "/host.conf",
        fileResponse("text/plain", "WireGuard config", {
          summary: "wg-quick configuration of the tenant's host interface with every NAS peer",
        }),
        requirePermission("wireguard.view"),
        async (c) => c.body(await renderHostConfig({ host }, { ctx: serviceCtx(c) }), 200, CONF),
      )
      .post(
        "/peers",
        jsonResponse(peerCreated, "The NAS's new tunnel", { status: 201 }),
        requirePermission("wireguard.edit"),
        validate("json", peerBody),
        async (c) => {
          const ctx = serviceCtx(c);
          const key = await deps.keys.forTenant(ctx.tenant.id);
          return c.json({ peer: await createPeer({ key }, { ctx, input: c.req.valid("json") }) }, 201);
        },
      )
      .delete(
        "/peers/:id",
        noContent("Removed"),
        requirePermission("wireguard.edit"),
        validate("param", idParam),
        async (c) => {
          await deletePeer({ ctx: serviceCtx(c), input: c.req.valid("param") });
          return c.body(null, 204);
        },
      )
      // Carries the NAS's private key: edit permission, and the read is audited.
      .get(
        "/peers/:id/config",
        fileResponse("text/plain", "The NAS side's WireGuard config"),
        requirePermission("wireguard.edit"),
        validate("param", idParam),
        async (c) => {
          const ctx = serviceCtx(c);
          const key = await deps.keys.forTenant(ctx.tenant.id);
          return c.body(await renderPeerConfig({ key, host }, { ctx, input: c.req.valid("param") }), 200, CONF);
        },
      )
  );
}
