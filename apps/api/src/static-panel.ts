import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createMiddleware } from "hono/factory";
import { getMimeType } from "hono/utils/mime";
import type { AppDeps } from "./deps.ts";
import type { AppEnv } from "./env.ts";
import { notFound } from "./errors.ts";

export const PANEL_DIST = fileURLToPath(new URL("../../panel/dist", import.meta.url));

// index.html must be revalidated so a deploy is picked up at once; hashed assets never change.
const NO_CACHE = "no-cache";
const IMMUTABLE = "public, max-age=31536000, immutable";
// The panel loads only its own scripts; images may be data: URLs (branding preview before upload).
const PANEL_CSP =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/** `npm start` on a fresh checkout: build the panel once so the first page load works. */
export function ensurePanelBuilt(dist = PANEL_DIST): void {
  if (existsSync(path.join(dist, "index.html"))) return;
  console.log("Building the panel (apps/panel/dist is missing)...");
  execFileSync("npm", ["run", "-s", "build", "-w", "@proxpanel/panel"], {
    cwd: fileURLToPath(new URL("../../..", import.meta.url)),
    stdio: "inherit",
  });
}

async function fileIfExists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * Serves the built SPA for GET/HEAD outside /api on the apex and on every tenant host (an unknown
 * host gets the same 404 as the API gives it). Unknown paths fall back to index.html so client
 * routes survive a reload; a missing file under /assets/ stays a 404 rather than HTML.
 */
export function panelStatic(deps: AppDeps, dist = PANEL_DIST) {
  const root = path.resolve(dist);
  return createMiddleware<AppEnv>(async (c, next) => {
    const method = c.req.method;
    const reqPath = c.req.path;
    if ((method !== "GET" && method !== "HEAD") || reqPath.startsWith("/api/") || reqPath === "/api") return next();
    const resolution = await deps.resolver.resolve(c.get("host"));
    // Same rule as the API: a deleted workspace does not exist. A suspended or moved one gets the
    // app, which asks /api/site and shows why it cannot be used.
    if (resolution.kind === "unknown") throw notFound();
    if (resolution.kind === "tenant" && resolution.tenant.status === "deleted") throw notFound();

    let decoded: string;
    try {
      decoded = decodeURIComponent(reqPath);
    } catch {
      throw notFound();
    }
    const candidate = path.resolve(root, `.${decoded}`);
    const inside = candidate.startsWith(`${root}${path.sep}`);
    if (inside && (await fileIfExists(candidate))) {
      const isIndex = candidate === path.join(root, "index.html");
      return send(c, candidate, isIndex ? NO_CACHE : reqPath.startsWith("/assets/") ? IMMUTABLE : NO_CACHE, isIndex);
    }
    if (reqPath.startsWith("/assets/") || path.extname(decoded) !== "") throw notFound();
    const index = path.join(root, "index.html");
    if (!(await fileIfExists(index))) throw notFound("The panel is not built: run `npm run build`.");
    return send(c, index, NO_CACHE, true);
  });
}

async function send(
  c: Parameters<Parameters<typeof createMiddleware<AppEnv>>[0]>[0],
  file: string,
  cacheControl: string,
  html: boolean,
) {
  const body = await readFile(file);
  c.header("Content-Type", getMimeType(file) ?? "application/octet-stream");
  c.header("Cache-Control", cacheControl);
  c.header("X-Content-Type-Options", "nosniff");
  if (html) {
    c.header("Content-Security-Policy", PANEL_CSP);
    c.header("Referrer-Policy", "same-origin");
  }
  if (c.req.method === "HEAD") return c.body(null);
  return c.body(new Uint8Array(body));
}
