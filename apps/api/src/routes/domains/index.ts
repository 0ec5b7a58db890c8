import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { jsonResponse, noContent } from "../../openapi.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import { dnsTxtLookup, getDomain, removeDomain, setDomain, verifyDomain } from "./domains.ts";
import { domainState } from "./responses.ts";

// Shape only; the service normalises and applies the hostname rules.
const domainBody = z.object({ domain: z.string().trim().min(1).max(253) }).strict();

/** The tenant's custom domain: claim, prove through DNS, remove. Mounted at /api/settings/domain. */
export function domainRoutes(deps: AppDeps) {
  const domainDeps = { ...deps, lookupTxt: dnsTxtLookup(deps.config.DNS_SERVERS) };
  const edit = requirePermission("settings.edit");
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get(
      "/",
      jsonResponse(domainState, "The custom domain and its DNS records"),
      requirePermission("settings.view"),
      async (c) => c.json(await getDomain(deps, { ctx: serviceCtx(c) })),
    )
    .put(
      "/",
      jsonResponse(domainState, "Claimed, pending verification"),
      edit,
      validate("json", domainBody),
      async (c) => c.json(await setDomain(deps, { ctx: serviceCtx(c), input: c.req.valid("json") })),
    )
    .post("/verify", jsonResponse(domainState, "The state after looking up the TXT record"), edit, async (c) =>
      c.json(await verifyDomain(domainDeps, { ctx: serviceCtx(c) })),
    )
    .delete("/", noContent("Removed"), edit, async (c) => {
      await removeDomain(deps, { ctx: serviceCtx(c) });
      return c.body(null, 204);
    });
}
