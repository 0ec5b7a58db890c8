import { Hono } from "hono";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { notFound } from "../../errors.ts";
import { fileResponse, jsonResponse } from "../../openapi.ts";
import { serviceCtx } from "../../services/context.ts";
import { publicBrandingBody } from "../settings/responses.ts";
import {
  BRANDING_ASSET_KINDS,
  type BrandingAssetKind,
  getCustomCss,
  getPublicBranding,
  readBrandingAsset,
} from "../settings/settings.ts";

const isKind = (k: string): k is BrandingAssetKind => (BRANDING_ASSET_KINDS as readonly string[]).includes(k);

/**
 * Public: the login page needs the workspace's look before anyone signs in. Everything answers
 * for the host's tenant only (c.var.tenant), so another tenant's host can never reach these files.
 */
export function brandingRoutes(deps: AppDeps) {
  const root = deps.config.DATA_DIR;
  return new Hono<AppEnv>()
    .get("/", jsonResponse(publicBrandingBody, "The workspace's look", { security: [] }), async (c) => {
      // Revalidated on every load: a branding or timezone change shows at once, not a minute later.
      c.header("Cache-Control", "no-cache");
      return c.json(await getPublicBranding({ ctx: serviceCtx(c) }));
    })
    .get(
      "/custom.css",
      fileResponse("text/css", "CSS", { summary: "The tenant's sanitised custom stylesheet", security: [] }),
      async (c) => {
        const css = await getCustomCss({ ctx: serviceCtx(c) });
        // A stylesheet that browsers will not sniff into anything else, so it cannot become HTML.
        c.header("Content-Type", "text/css; charset=utf-8");
        c.header("X-Content-Type-Options", "nosniff");
        c.header("Content-Security-Policy", "default-src 'none'");
        c.header("Cache-Control", "public, max-age=60");
        return c.body(css);
      },
    )
    .get("/assets/:kind", fileResponse("image/*", "The uploaded image", { security: [] }), async (c) => {
      // Only the three fixed names reach the filesystem; anything else (../, encoded slashes) is 404.
      const kind = c.req.param("kind");
      if (!isKind(kind)) throw notFound();
      const asset = await readBrandingAsset({ ctx: serviceCtx(c), input: { kind, root } });
      if (!asset) throw notFound(`No ${kind} has been uploaded.`);
      c.header("Content-Type", asset.contentType);
      c.header("X-Content-Type-Options", "nosniff");
      c.header("ETag", `"${asset.sha256}"`);
      c.header("Cache-Control", "public, max-age=300");
      // An SVG opened directly is a document: no scripts, no fetches, and offered as a download.
      c.header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox");
      if (asset.ext === "svg") c.header("Content-Disposition", `attachment; filename="${kind}.svg"`);
      if (c.req.header("if-none-match") === `"${asset.sha256}"`) return c.body(null, 304);
      return c.body(asset.bytes);
    });
}
