import { readFileSync } from "node:fs";
import { currentTotp, hashPassword } from "@proxpanel/auth";
import { superAdmins } from "@proxpanel/db";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant, type TestTenant, uniqueSlug } from "../harness.ts";
import { type BrowserStack, screenshot, startBrowserStack } from "./harness.ts";

let bs: BrowserStack;
let tenant: TestTenant;
const operator = { email: `op-${uniqueSlug()}@ops.example`, password: "operator-password-1" };
let secret = "";

beforeAll(async () => {
  bs = await startBrowserStack();
  tenant = await signupTenant(bs.stack);
  await bs.stack.runtime.deps.db
    .insert(superAdmins)
    .values({ email: operator.email, passwordHash: await hashPassword(operator.password) });
});
afterAll(() => bs?.close());

/** Playwright's own timeout under vitest's, so a failure names the locator it waited for. */
async function newPage(opts?: { width: number; height: number }): Promise<Page> {
  const page = await bs.newPage(opts);
  page.setDefaultTimeout(10_000);
  return page;
}

async function signIn(page: Page) {
  await page.goto(`${bs.apexUrl()}/console`);
  await page.getByLabel("E-mail").fill(operator.email);
  await page.getByLabel("Password").fill(operator.password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

describe("super-admin console in Chromium", () => {
  it("enrols TOTP on first sign-in with a QR code and the secret", async () => {
    const page = await newPage();
    // The console never asks tenant routes (they are 404s on the apex).
    const notFound: string[] = [];
    page.on("response", (r) => {
      if (r.status() === 404 && new URL(r.url()).pathname.startsWith("/api/")) notFound.push(new URL(r.url()).pathname);
    });
    await signIn(page);
    const qr = page.getByRole("img", { name: "QR code of the authenticator secret" });
    await qr.waitFor();
    expect(await qr.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
    secret = (await page.getByTestId("totp-secret").textContent())?.trim() ?? "";
    expect(secret).toMatch(/^[A-Z2-7]{16,}$/);
    await screenshot(page, "console-totp-enrol");

    await page.getByLabel("Code from the app").fill(currentTotp(secret));
    await page.getByRole("button", { name: "Confirm" }).click();
    await page.getByRole("heading", { name: "Tenants" }).waitFor();
    expect(notFound).toEqual([]);
  });

  it("signs in with the authenticator code and suspends a tenant, whose panel then shows the suspended page", async () => {
    expect(secret).not.toBe("");
    const page = await newPage();
    await signIn(page);
    // Password accepted, so the form now asks for the code.
    const code = page.getByLabel("Authentication code");
    await code.waitFor();
    await screenshot(page, "console-login-totp");
    await code.fill(currentTotp(secret));
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await page.getByRole("heading", { name: "Tenants" }).waitFor();

    await page.getByLabel("Search").fill(tenant.slug);
    const row = page.locator(`tr[data-key="${tenant.slug}"]`);
    await row.waitFor();
    await expect(row.getByText("active", { exact: true }).count()).resolves.toBe(1);
    await screenshot(page, "console-tenants");

    await row.getByRole("button", { name: `Suspend ${tenant.slug}` }).click();
    await row.getByText("suspended", { exact: true }).waitFor();
    await row.getByRole("button", { name: `Resume ${tenant.slug}` }).waitFor();

    const panel = await newPage();
    await panel.goto(`${bs.tenantUrl(tenant.slug)}/`);
    const suspended = panel.getByTestId("suspended");
    await suspended.waitFor();
    await expect(suspended.textContent()).resolves.toContain("suspended");
    await screenshot(panel, "tenant-suspended");

    // The other console pages render with the same session.
    for (const [link, heading, shot] of [
      ["Backup health", "Backup health", "console-backups"],
      ["Reports", "Billing and usage reports", "console-reports"],
      ["Audit", "Audit", "console-audit"],
      ["System health", "System health", "console-health"],
      ["Outgoing mail", "Outgoing mail", "console-mail"],
    ] as const) {
      await page.getByRole("link", { name: link }).click();
      await page.getByRole("heading", { name: heading, exact: true }).waitFor();
      if (link === "Reports") {
        await page.getByRole("button", { name: "Show" }).click();
        await page.getByRole("table").waitFor();
        // Downloads go through the token-carrying client, then a blob link.
        const [csv] = await Promise.all([
          page.waitForEvent("download"),
          page.getByRole("button", { name: "Download CSV" }).click(),
        ]);
        const csvPath = await csv.path();
        expect(csv.suggestedFilename()).toMatch(/\.csv$/);
        expect(readFileSync(csvPath, "utf8")).toContain(`${tenant.slug},Company ${tenant.slug},starter,suspended`);
        const [pdf] = await Promise.all([
          page.waitForEvent("download"),
          page.getByRole("button", { name: "Download PDF" }).click(),
        ]);
        expect(
          readFileSync(await pdf.path())
            .subarray(0, 5)
            .toString("latin1"),
        ).toBe("%PDF-");
      }
      if (link === "Backup health") {
        // Force a backup, open the tenant's archives, dry-run the restore and pin the archive.
        const health = page.locator(`tr[data-key="${tenant.slug}"]`).first();
        await health.getByRole("button", { name: "Force backup" }).click();
        await page.getByText(`Backup of ${tenant.slug} started`).waitFor();
        await health.getByRole("button", { name: `Archives of ${tenant.slug}` }).click();
        await page.getByRole("heading", { name: `Archives of ${tenant.slug}` }).waitFor();
        const archive = page.locator("tr", { hasText: "uploaded" }).first();
        await archive.getByRole("button", { name: "Dry-run restore" }).click();
        const dialog = page.getByRole("dialog", { name: "Dry-run restore" });
        await dialog.getByText("restorable").waitFor();
        await screenshot(page, "console-dry-run");
        await dialog.getByRole("button", { name: "Close" }).first().click();
        await archive.getByRole("button", { name: "Pin" }).click();
        await archive.getByRole("button", { name: "Unpin" }).waitFor();
      }
      if (link === "Audit") {
        await page.getByText("tenant.status.suspended").first().waitFor();
        // With the tenant chosen, its own log follows (read-only): its owner's sign-in is there.
        await page.getByLabel("Tenant").selectOption({ label: tenant.slug });
        await page.getByRole("button", { name: "Apply" }).click();
        await page.getByTestId("tenant-log").getByText("auth.login").first().waitFor();
      }
      if (link === "Outgoing mail")
        await page.getByText(`Welcome to ProxPanel, Company ${tenant.slug}`).first().waitFor();
      if (link === "System health") await page.getByRole("heading", { name: "Database" }).waitFor();
      await screenshot(page, shot);
    }
  });

  it("is usable at 390 px: navigation behind the menu button", async () => {
    const page = await newPage({ width: 390, height: 844 });
    await signIn(page);
    await page.getByLabel("Authentication code").fill(currentTotp(secret));
    await page.getByRole("button", { name: "Verify and sign in" }).click();
    await page.getByRole("heading", { name: "Tenants" }).waitFor();
    await page.locator(`tr[data-key="${tenant.slug}"]`).first().waitFor();
    await screenshot(page, "console-tenants-390");
    expect(await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth")).toBeLessThanOrEqual(
      0,
    );
    await page.getByRole("button", { name: "Menu" }).click();
    await page.getByRole("link", { name: "System health" }).click();
    await page.getByRole("heading", { name: "System health", exact: true }).waitFor();
    await screenshot(page, "console-health-390");
    // Nothing wider than the screen: no sideways scrolling of the whole page.
    // A string: this file is type-checked without the DOM library.
    const overflow = await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow).toBeLessThanOrEqual(0);
  });
});
