/**
 * Browser tests: the real API (tests/harness.ts) serving the built panel, driven by Debian's
 * Chromium through playwright-core. `http://<slug>.proxpanel.test:<port>` reaches the test server
 * through Chromium's host-resolver rules, so each tenant has its own origin as in production.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { PANEL_DIST } from "../../apps/api/src/static-panel.ts";
import { BASE, type Stack, startStack, type TestTenant } from "../harness.ts";

const REPO = fileURLToPath(new URL("../..", import.meta.url));
const PANEL_SRC = path.join(REPO, "apps/panel");
export const ARTIFACTS = path.join(REPO, "test-artifacts");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name === "dist") continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Builds apps/panel when dist is missing or older than its sources. flock serialises parallel
 * test files so only one builds and the others wait for it instead of reading a half-written dist.
 */
export function ensureFreshPanelBuild(): void {
  const index = path.join(PANEL_DIST, "index.html");
  const stale = () => !existsSync(index) || statSync(index).mtimeMs < newestMtime(path.join(PANEL_SRC, "src"));
  if (!stale()) return;
  // Re-checked under the lock: another file may have built while this one waited.
  const script =
    'if [ ! -f dist/index.html ] || [ -n "$(find src index.html vite.config.ts -newer dist/index.html | head -n 1)" ]; then npx vite build --logLevel warn; fi';
  execFileSync("flock", ["/tmp/proxpanel-panel-build.lock", "sh", "-c", script], { cwd: PANEL_SRC, stdio: "inherit" });
  if (!existsSync(index)) throw new Error("panel build failed: apps/panel/dist/index.html missing");
}

export interface BrowserStack {
  stack: Stack;
  browser: Browser;
  /** http://<slug>.proxpanel.test:<port> */
  tenantUrl(slug: string): string;
  /** http://proxpanel.test:<port> (signup at /, the super-admin console at /console) */
  apexUrl(): string;
  /** A fresh context (own cookies/localStorage) and page at the given width. */
  newPage(opts?: { width?: number; height?: number }): Promise<Page>;
  close(): Promise<void>;
}

/** Headless Debian Chromium; `*.<domain>` and `<domain>` resolve to 127.0.0.1 (the test server). */
export async function launchChromium(domain = BASE): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      `--host-resolver-rules=MAP *.${domain} 127.0.0.1, MAP ${domain} 127.0.0.1`,
    ],
  });
}

/** The API with the built panel plus a headless Chromium; close() stops both. */
export async function startBrowserStack(env: Record<string, string> = {}): Promise<BrowserStack> {
  ensureFreshPanelBuild();
  const stack = await startStack(env);
  const browser = await launchChromium();
  return {
    stack,
    browser,
    tenantUrl: (slug) => `http://${slug}.${BASE}:${stack.port}`,
    apexUrl: () => `http://${BASE}:${stack.port}`,
    newPage: async (opts = {}) => {
      const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 } });
      const page = await context.newPage();
      // Fail a step within seconds rather than at the test's own timeout, so the error says which.
      page.setDefaultTimeout(15_000);
      return page;
    },
    close: async () => {
      await browser.close();
      await stack.close();
    },
  };
}

/** Saves test-artifacts/<name>.png (gitignored) for a person to look at after the run. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Signs in on the tenant's own login page and waits for the signed-in layout (any width). */
export async function loginTenant(bs: BrowserStack, page: Page, tenant: TestTenant): Promise<void> {
  await page.goto(`${bs.tenantUrl(tenant.slug)}/`);
  await page.getByLabel("E-mail").fill(tenant.email);
  await page.getByLabel("Password").fill(tenant.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}
