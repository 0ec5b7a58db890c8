// Issue 15 saw "a 9 px white strip above the login background": the sign-in pages' background must
// start at the very top and fill the window, at a phone's width and at desktop ones.
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant, type TestTenant } from "../harness.ts";
import { type BrowserStack, screenshot, startBrowserStack } from "./harness.ts";

let bs: BrowserStack;
let tenant: TestTenant;
beforeAll(async () => {
  bs = await startBrowserStack();
  tenant = await signupTenant(bs.stack);
});
afterAll(async () => {
  await bs?.close();
});

interface Measured {
  top: number;
  left: number;
  width: number;
  height: number;
  hits: boolean[];
  scrolls: boolean;
}

/**
 * Where the background box sits, whether the top rows of the window show it, and whether the page
 * scrolls. A string, since this project's typecheck has no DOM library (it runs in the page).
 */
const MEASURE = `(() => {
  const bg = document.querySelector(".login-page");
  const box = bg.getBoundingClientRect();
  const hits = [0, 1, 4, 8].map((y) => {
    const el = document.elementFromPoint(Math.floor(window.innerWidth / 2), y);
    return !!(el && bg.contains(el));
  });
  return {
    top: box.top,
    left: box.left,
    width: box.width,
    height: box.height,
    hits,
    scrolls: document.documentElement.scrollHeight > window.innerHeight,
  };
})()`;
const measure = (page: Page) => page.evaluate<Measured>(MEASURE);

describe("sign-in page background", { timeout: 120_000 }, () => {
  for (const [width, height] of [
    [390, 844],
    [768, 1024],
    [1280, 800],
    [1920, 1080],
  ] as const) {
    it(`fills the window from its top edge at ${width}×${height}`, async () => {
      const page = await bs.newPage({ width, height });
      for (const [name, url] of [
        ["tenant", `${bs.tenantUrl(tenant.slug)}/`],
        ["portal", `${bs.tenantUrl(tenant.slug)}/portal`],
        ["console", `${bs.apexUrl()}/console`],
      ] as const) {
        await page.goto(url);
        await page.locator(".login-page").waitFor();
        await page.getByRole("button", { name: "Sign in" }).waitFor();
        const m = await measure(page);
        if (width === 390 || width === 1280) await screenshot(page, `login-background-${name}-${width}`);
        expect({ name, ...m }).toMatchObject({
          name,
          top: 0,
          left: 0,
          width,
          hits: [true, true, true, true],
          scrolls: false,
        });
        expect(m.height).toBeGreaterThanOrEqual(height);
      }
      await page.close();
    });
  }
});
