import { z } from "zod";
import { BRANDING_ASSET_KINDS } from "./settings.ts";

const color = z.string().regex(/^#[0-9a-fA-F]{6}$/);
const brandingLook = {
  primaryColor: color,
  secondaryColor: color,
  accentColor: color,
  /** Uploaded images, served from /api/branding/assets/… (null: none). */
  logoUrl: z.string().nullable(),
  faviconUrl: z.string().nullable(),
  loginBackgroundUrl: z.string().nullable(),
};
/** The workspace's look as staff edit it, custom CSS included. */
export const branding = z.object({ ...brandingLook, customCss: z.string() });
export const settingsBody = z.object({ companyName: z.string(), timezone: z.string(), branding });
export const brandingSettingsBody = branding.extend({ companyName: z.string() });
export const dateFormatBody = z.object({
  dateFormat: z.object({ order: z.enum(["ymd", "dmy", "mdy"]), clock: z.enum(["24h", "12h"]) }),
});
export const timezoneBody = z.object({ timezone: z.string() });
export const assetSaved = z.object({
  kind: z.enum(BRANDING_ASSET_KINDS),
  url: z.string().nullable(),
  contentType: z.string(),
  size: z.number().int(),
  sha256: z.string(),
});
/** What the login page needs before anyone signs in (custom CSS as a link, not inline). */
export const publicBrandingBody = z.object({
  slug: z.string(),
  companyName: z.string(),
  timezone: z.string(),
  currency: z.string().length(3),
  dateFormat: dateFormatBody.shape.dateFormat,
  branding: z.object({ ...brandingLook, customCssUrl: z.string().nullable() }),
});
