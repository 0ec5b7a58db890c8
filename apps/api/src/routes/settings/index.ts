import { Hono } from "hono";
import { z } from "zod";
import type { AppDeps } from "../../deps.ts";
import type { AppEnv } from "../../env.ts";
import { AppError, ErrorCode } from "../../errors.ts";
import { requirePermission, requireTenantAuth } from "../../middleware/auth.ts";
import { jsonResponse, noContent } from "../../openapi.ts";
import { serviceCtx } from "../../services/context.ts";
import { validate } from "../../validate.ts";
import { dateFormat, getDateFormat, updateDateFormat } from "./locale.ts";
import * as out from "./responses.ts";
import {
  BRANDING_ASSET_KINDS,
  COLOR_RE,
  getSettings,
  MAX_ASSET_BYTES,
  removeBrandingAsset,
  saveBrandingAsset,
  updateBranding,
  updateTimezone,
} from "./settings.ts";

/** Room for the multipart envelope around a file at the size limit. */
export const UPLOAD_BODY_LIMIT = MAX_ASSET_BYTES + 64 * 1024;
const UPLOAD_PATH = new RegExp(`^/api/settings/branding/(${BRANDING_ASSET_KINDS.join("|")})$`);

/** app.ts lets only these requests past the 1 MiB JSON body limit (up to UPLOAD_BODY_LIMIT). */
export const isBrandingUpload = (method: string, path: string) => method === "POST" && UPLOAD_PATH.test(path);

// NUL and other C0 controls (tab and line breaks aside) have no place in a stylesheet.
const isControl = (ch: string) => {
  const code = ch.charCodeAt(0);
  return code < 0x20 && ch !== "\t" && ch !== "\n" && ch !== "\r";
};
const color = z.string().regex(COLOR_RE, "Expected a colour as #rrggbb");
const brandingPatch = z
  .object({
    companyName: z.string().trim().min(1).max(200).optional(),
    primaryColor: color.optional(),
    secondaryColor: color.optional(),
    accentColor: color.optional(),
    // The byte cap is checked by the service; this bounds the characters before that.
    customCss: z
      .string()
      .max(64 * 1024)
      .refine((s) => ![...s].some(isControl), "Control characters are not allowed")
      .optional(),
  })
  .strict();
const timezoneBody = z.object({ timezone: z.string().trim().min(1).max(64) }).strict();
const kindParam = z.object({ kind: z.enum(BRANDING_ASSET_KINDS) });

export function settingsRoutes(deps: AppDeps) {
  const root = deps.config.DATA_DIR;
  return new Hono<AppEnv>()
    .use(requireTenantAuth(deps))
    .get(
      "/",
      jsonResponse(out.settingsBody, "Company name, timezone and look"),
      requirePermission("settings.view"),
      async (c) => c.json(await getSettings({ ctx: serviceCtx(c) })),
    )
    .get(
      "/branding",
      jsonResponse(out.brandingSettingsBody, "The look"),
      requirePermission("settings.view"),
      async (c) => {
        const { companyName, branding } = await getSettings({ ctx: serviceCtx(c) });
        return c.json({ companyName, ...branding });
      },
    )
    .patch(
      "/branding",
      jsonResponse(out.brandingSettingsBody, "The look, changed"),
      requirePermission("settings.edit"),
      validate("json", brandingPatch),
      async (c) => {
        const { companyName, branding } = await updateBranding({ ctx: serviceCtx(c), input: c.req.valid("json") });
        return c.json({ companyName, ...branding });
      },
    )
    .get(
      "/date-format",
      jsonResponse(out.dateFormatBody, "How dates are written"),
      requirePermission("settings.view"),
      async (c) => c.json({ dateFormat: await getDateFormat(serviceCtx(c)) }),
    )
    .put(
      "/date-format",
      jsonResponse(out.dateFormatBody, "How dates are written, saved"),
      requirePermission("settings.edit"),
      validate("json", dateFormat),
      async (c) => c.json({ dateFormat: await updateDateFormat({ ctx: serviceCtx(c), input: c.req.valid("json") }) }),
    )
    .get(
      "/timezone",
      jsonResponse(out.timezoneBody, "The tenant's IANA time zone"),
      requirePermission("settings.view"),
      async (c) => {
        const { timezone } = await getSettings({ ctx: serviceCtx(c) });
        return c.json({ timezone });
      },
    )
    .patch(
      "/timezone",
      jsonResponse(out.timezoneBody, "The time zone, saved"),
      requirePermission("settings.edit"),
      validate("json", timezoneBody),
      async (c) => c.json(await updateTimezone({ ctx: serviceCtx(c), input: c.req.valid("json") })),
    )
    .post(
      "/branding/:kind",
      jsonResponse(out.assetSaved, "The image, stored", { status: 201 }),
      requirePermission("settings.edit"),
      validate("param", kindParam),
      async (c) => {
        const file = await uploadedFile(c.req.header("content-type"), () => c.req.parseBody());
        if (file.size > MAX_ASSET_BYTES) {
          throw new AppError(413, ErrorCode.payloadTooLarge, `The file is larger than ${MAX_ASSET_BYTES} bytes.`);
        }
        const bytes = new Uint8Array(await file.arrayBuffer());
        const { kind } = c.req.valid("param");
        return c.json(await saveBrandingAsset({ ctx: serviceCtx(c), input: { kind, bytes, root } }), 201);
      },
    )
    .delete(
      "/branding/:kind",
      noContent("Removed"),
      requirePermission("settings.edit"),
      validate("param", kindParam),
      async (c) => {
        await removeBrandingAsset({ ctx: serviceCtx(c), input: { kind: c.req.valid("param").kind, root } });
        return c.body(null, 204);
      },
    );
}

async function uploadedFile(contentType: string | undefined, parse: () => Promise<Record<string, unknown>>) {
  if (!/^multipart\/form-data\s*;/i.test(contentType ?? "")) {
    throw new AppError(
      415,
      ErrorCode.unsupportedMediaType,
      "Send the image as multipart/form-data in a field named file.",
    );
  }
  let form: Record<string, unknown>;
  try {
    form = await parse();
  } catch {
    throw new AppError(400, ErrorCode.validation, "The multipart body could not be parsed.");
  }
  const file = form.file;
  if (!(file instanceof File)) {
    throw new AppError(400, ErrorCode.validation, "A file field named file is required.", [
      { path: "file", message: "Required" },
    ]);
  }
  return file;
}
