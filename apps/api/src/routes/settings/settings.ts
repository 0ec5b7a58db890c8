import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { tenants } from "@proxpanel/db";
import { DEFAULT_BRANDING, isValidTimezone } from "@proxpanel/tenancy";
import { eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { AppError, ErrorCode, notFound } from "../../errors.ts";
import { writeAudit } from "../../services/audit.ts";
import { inTransaction, type ServiceCtx } from "../../services/context.ts";
import { getCurrency } from "../portal/preferences.ts";
import { getDateFormat } from "./locale.ts";

export const BRANDING_ASSET_KINDS = ["logo", "favicon", "login-background"] as const;
export type BrandingAssetKind = (typeof BRANDING_ASSET_KINDS)[number];
export const MAX_ASSET_BYTES = 2 * 1024 * 1024;
export const MAX_CUSTOM_CSS_BYTES = 64 * 1024;
export const COLOR_RE = /^#[0-9a-fA-F]{6}$/;

const URL_FIELD = { logo: "logoUrl", favicon: "faviconUrl", "login-background": "loginBackgroundUrl" } as const;

const IMAGE_TYPES = {
  png: "image/png",
  jpg: "image/jpeg",
  webp: "image/webp",
  ico: "image/x-icon",
  svg: "image/svg+xml",
} as const;
export type ImageExt = keyof typeof IMAGE_TYPES;

// Stored JSON is read leniently: a hand-edited or older value must not take the login page down.
const storedBranding = z.object({
  primaryColor: z.string().regex(COLOR_RE).catch(DEFAULT_BRANDING.primaryColor),
  secondaryColor: z.string().regex(COLOR_RE).catch(DEFAULT_BRANDING.secondaryColor),
  accentColor: z.string().regex(COLOR_RE).catch(DEFAULT_BRANDING.accentColor),
  logoUrl: z.string().nullable().catch(null),
  faviconUrl: z.string().nullable().catch(null),
  loginBackgroundUrl: z.string().nullable().catch(null),
  customCss: z.string().catch(""),
});
export type Branding = z.infer<typeof storedBranding>;

const assetMeta = z.object({ file: z.string(), sha256: z.string(), size: z.number(), uploadedAt: z.string() });
type AssetMeta = z.infer<typeof assetMeta>;
const storedAssets = z.record(z.string(), assetMeta).catch({});
type Assets = Partial<Record<BrandingAssetKind, AssetMeta>>;

const KEYS = ["company_name", "timezone", "branding", "branding_assets"] as const;

interface Prefs {
  companyName: string;
  timezone: string;
  branding: Branding;
  assets: Assets;
}

async function readPrefs(ctx: ServiceCtx, opts: { lock?: boolean } = {}): Promise<Prefs> {
  const { t } = ctx.tenant;
  const q = ctx.db
    .select()
    .from(t.systemPreferences)
    .where(inArray(t.systemPreferences.key, [...KEYS]));
  // Row locks serialise concurrent edits of the same JSON documents (no lost updates).
  const rows = opts.lock ? await q.for("update") : await q;
  const v = Object.fromEntries(rows.map((r) => [r.key, r.value]));
  const assets = storedAssets.parse(v.branding_assets ?? {});
  return {
    companyName: typeof v.company_name === "string" ? v.company_name : ctx.tenant.slug,
    timezone: typeof v.timezone === "string" && isValidTimezone(v.timezone) ? v.timezone : "UTC",
    branding: storedBranding.parse({ ...DEFAULT_BRANDING, ...(isObject(v.branding) ? v.branding : {}) }),
    assets: Object.fromEntries(BRANDING_ASSET_KINDS.flatMap((k) => (assets[k] ? [[k, assets[k]]] : []))),
  };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

async function writePref(ctx: ServiceCtx, key: (typeof KEYS)[number], value: unknown): Promise<void> {
  const { t } = ctx.tenant;
  await ctx.db
    .insert(t.systemPreferences)
    .values({ key, value })
    .onConflictDoUpdate({ target: t.systemPreferences.key, set: { value, updatedAt: new Date() } });
}

/** Only the fields that changed, so a 64 KiB stylesheet is not copied into every audit entry. */
function diff<T extends object>(before: T, after: T) {
  const b: Partial<T> = {};
  const a: Partial<T> = {};
  for (const k of Object.keys(after) as (keyof T)[]) {
    if (JSON.stringify(before[k]) !== JSON.stringify(after[k])) {
      b[k] = before[k];
      a[k] = after[k];
    }
  }
  return { before: b, after: a };
}

export async function getSettings({ ctx }: { ctx: ServiceCtx }) {
  const { companyName, timezone, branding } = await readPrefs(ctx);
  return { companyName, timezone, branding };
}

const cssVersion = (css: string) => createHash("sha256").update(css).digest("hex").slice(0, 16);

/** What the unauthenticated login page may see: no stylesheet text, only where to fetch it. */
export async function getPublicBranding({ ctx }: { ctx: ServiceCtx }) {
  const { companyName, timezone, branding } = await readPrefs(ctx);
  const { customCss, ...rest } = branding;
  return {
    slug: ctx.tenant.slug,
    companyName,
    timezone,
    currency: await getCurrency(ctx),
    dateFormat: await getDateFormat(ctx),
    branding: { ...rest, customCssUrl: customCss ? `/api/branding/custom.css?v=${cssVersion(customCss)}` : null },
  };
}

export async function getCustomCss({ ctx }: { ctx: ServiceCtx }): Promise<string> {
  return (await readPrefs(ctx)).branding.customCss;
}

export interface UpdateBrandingInput {
  companyName?: string | undefined;
  primaryColor?: string | undefined;
  secondaryColor?: string | undefined;
  accentColor?: string | undefined;
  customCss?: string | undefined;
}

export async function updateBranding({ ctx, input }: { ctx: ServiceCtx; input: UpdateBrandingInput }) {
  if (input.customCss !== undefined && Buffer.byteLength(input.customCss) > MAX_CUSTOM_CSS_BYTES) {
    throw new AppError(413, ErrorCode.payloadTooLarge, `Custom CSS is larger than ${MAX_CUSTOM_CSS_BYTES} bytes.`);
  }
  return inTransaction(ctx, async (tx) => {
    const prefs = await readPrefs(tx, { lock: true });
    const before = { companyName: prefs.companyName, ...prefs.branding };
    const branding: Branding = { ...prefs.branding };
    for (const k of ["primaryColor", "secondaryColor", "accentColor"] as const) {
      const v = input[k];
      if (v !== undefined) branding[k] = v.toLowerCase();
    }
    if (input.customCss !== undefined) branding.customCss = input.customCss;
    const companyName = input.companyName ?? prefs.companyName;
    const changes = diff(before, { companyName, ...branding });
    if (Object.keys(changes.after).length > 0) {
      await writePref(tx, "branding", branding);
      if (companyName !== prefs.companyName) {
        await writePref(tx, "company_name", companyName);
        // The operator console lists tenants by the registry's copy of the name.
        await tx.db.update(tenants).set({ companyName, updatedAt: new Date() }).where(eq(tenants.id, tx.tenant.id));
      }
      await writeAudit(tx, {
        action: "settings.branding.update",
        entityType: "settings",
        entityId: "branding",
        details: changes,
      });
    }
    return { companyName, timezone: prefs.timezone, branding };
  });
}

export async function updateTimezone({ ctx, input }: { ctx: ServiceCtx; input: { timezone: string } }) {
  if (!isValidTimezone(input.timezone)) {
    throw new AppError(400, ErrorCode.validation, `Unknown timezone "${input.timezone}".`, [
      { path: "timezone", message: "Not an IANA time zone name" },
    ]);
  }
  return inTransaction(ctx, async (tx) => {
    const prefs = await readPrefs(tx, { lock: true });
    if (prefs.timezone !== input.timezone) {
      await writePref(tx, "timezone", input.timezone);
      await tx.db
        .update(tenants)
        .set({ timezone: input.timezone, updatedAt: new Date() })
        .where(eq(tenants.id, tx.tenant.id));
      await writeAudit(tx, {
        action: "settings.timezone.update",
        entityType: "settings",
        entityId: "timezone",
        details: { before: { timezone: prefs.timezone }, after: { timezone: input.timezone } },
      });
    }
    return { timezone: input.timezone };
  });
}

// ---- Uploaded branding assets -------------------------------------------------------------

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) => sig.every((x, i) => b[at + i] === x);
const ascii = (s: string) => [...s].map((ch) => ch.charCodeAt(0));

/** The type comes from the bytes; the client's file name and Content-Type are never trusted. */
export function sniffImage(b: Uint8Array): ImageExt | null {
  if (startsWith(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "png";
  if (startsWith(b, [0xff, 0xd8, 0xff])) return "jpg";
  if (startsWith(b, ascii("RIFF")) && startsWith(b, ascii("WEBP"), 8)) return "webp";
  if (startsWith(b, [0, 0, 1, 0]) && b.length > 6 && (b[4] ?? 0) + (b[5] ?? 0) > 0) return "ico";
  return isSafeSvg(b) ? "svg" : null;
}

function isSafeSvg(b: Uint8Array): boolean {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(b).replace(/^\uFEFF/, "");
  } catch {
    return false;
  }
  if (!/^\s*(<\?xml[^>]*\?>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/i.test(text)) return false;
  // Served with a CSP that forbids scripts anyway; refusing them up front is defence in depth
  // (and entities are refused because no logo needs them and they enable expansion bombs).
  return !/<script|<!DOCTYPE|<!ENTITY|<foreignObject|javascript:|\son[a-z]+\s*=/i.test(text);
}

/** `<root>/uploads/tenant_<id>/branding`; the id is a registry UUID, checked so no path escapes. */
export function assetDir(root: string, tenantId: string): string {
  if (!UUID_RE.test(tenantId)) throw new Error("tenant id is not a UUID");
  return path.resolve(root, "uploads", `tenant_${tenantId}`, "branding");
}

const fileNameRe = (kind: BrandingAssetKind) => new RegExp(`^${kind}\\.(${Object.keys(IMAGE_TYPES).join("|")})$`);
const assetUrl = (kind: BrandingAssetKind, sha: string) => `/api/branding/assets/${kind}?v=${sha.slice(0, 16)}`;

export interface SaveAssetInput {
  kind: BrandingAssetKind;
  bytes: Uint8Array;
  /** DATA_DIR; uploads go below it. */
  root: string;
}

export async function saveBrandingAsset({ ctx, input }: { ctx: ServiceCtx; input: SaveAssetInput }) {
  const { kind, bytes } = input;
  if (bytes.byteLength > MAX_ASSET_BYTES) {
    throw new AppError(413, ErrorCode.payloadTooLarge, `The file is larger than ${MAX_ASSET_BYTES} bytes.`);
  }
  const ext = sniffImage(bytes);
  if (!ext) {
    throw new AppError(415, ErrorCode.unsupportedMediaType, "Upload a PNG, JPEG, WebP, ICO or script-free SVG image.");
  }
  const dir = assetDir(input.root, ctx.tenant.id);
  await mkdir(dir, { recursive: true });
  const file = `${kind}.${ext}`;
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  // Written beside the target and renamed inside the transaction: readers see the old or the new
  // file, never half of one, and a failed transaction leaves only a temp file we remove.
  const tmp = path.join(dir, `.${kind}.${randomUUID()}.tmp`);
  await writeFile(tmp, bytes, { flag: "wx", mode: 0o640 });
  let previous: AssetMeta | undefined;
  try {
    const result = await inTransaction(ctx, async (tx) => {
      const prefs = await readPrefs(tx, { lock: true });
      previous = prefs.assets[kind];
      const meta: AssetMeta = { file, sha256, size: bytes.byteLength, uploadedAt: new Date().toISOString() };
      const branding = { ...prefs.branding, [URL_FIELD[kind]]: assetUrl(kind, sha256) };
      await writePref(tx, "branding", branding);
      await writePref(tx, "branding_assets", { ...prefs.assets, [kind]: meta });
      await writeAudit(tx, {
        action: "settings.branding.asset_upload",
        entityType: "settings",
        entityId: `branding.${kind}`,
        details: { before: previous ?? null, after: meta },
      });
      await rename(tmp, path.join(dir, file));
      return { kind, url: branding[URL_FIELD[kind]], contentType: IMAGE_TYPES[ext], size: meta.size, sha256 };
    });
    if (previous && previous.file !== file && fileNameRe(kind).test(previous.file)) {
      await rm(path.join(dir, previous.file), { force: true });
    }
    return result;
  } finally {
    await rm(tmp, { force: true });
  }
}

export async function removeBrandingAsset({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { kind: BrandingAssetKind; root: string };
}) {
  const { kind } = input;
  const removed = await inTransaction(ctx, async (tx) => {
    const prefs = await readPrefs(tx, { lock: true });
    const previous = prefs.assets[kind];
    if (!previous) throw notFound(`No ${kind} has been uploaded.`);
    const { [kind]: _gone, ...assets } = prefs.assets;
    await writePref(tx, "branding", { ...prefs.branding, [URL_FIELD[kind]]: null });
    await writePref(tx, "branding_assets", assets);
    await writeAudit(tx, {
      action: "settings.branding.asset_remove",
      entityType: "settings",
      entityId: `branding.${kind}`,
      details: { before: previous, after: null },
    });
    return previous;
  });
  if (fileNameRe(kind).test(removed.file))
    await rm(path.join(assetDir(input.root, ctx.tenant.id), removed.file), { force: true });
}

export interface StoredAsset {
  bytes: Uint8Array<ArrayBuffer>;
  ext: ImageExt;
  contentType: string;
  sha256: string;
}

export async function readBrandingAsset({
  ctx,
  input,
}: {
  ctx: ServiceCtx;
  input: { kind: BrandingAssetKind; root: string };
}): Promise<StoredAsset | null> {
  const meta = (await readPrefs(ctx)).assets[input.kind];
  const match = meta ? fileNameRe(input.kind).exec(meta.file) : null;
  if (!meta || !match) return null;
  const ext = match[1] as ImageExt;
  try {
    const bytes = await readFile(path.join(assetDir(input.root, ctx.tenant.id), meta.file));
    return { bytes: new Uint8Array(bytes), ext, contentType: IMAGE_TYPES[ext], sha256: meta.sha256 };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}
