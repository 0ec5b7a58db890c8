import { currentTotp } from "@proxpanel/auth";
import type { Page } from "playwright-core";
import { superAdminSession } from "../harness.ts";
import type { BrowserStack } from "./harness.ts";

/**
 * A super-admin with an authenticator already enrolled (through the API), signed in on the console's
 * own page with password and code, left on the tenant list.
 */
export async function signInConsole(bs: BrowserStack, page: Page): Promise<void> {
  const op = await superAdminSession(bs.stack, { totp: true });
  if (!op.secret) throw new Error("no TOTP secret");
  await page.goto(`${bs.apexUrl()}/console`);
  await page.getByLabel("E-mail").fill(op.email);
  await page.getByLabel("Password").fill(op.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByLabel("Authentication code").fill(currentTotp(op.secret));
  await page.getByRole("button", { name: "Verify and sign in" }).click();
  await page.getByRole("heading", { name: "Tenants" }).waitFor();
}

/** Finds the tenant in the list and opens its placement dialog. */
export async function openPlacement(page: Page, slug: string) {
  await page.getByLabel("Search").fill(slug);
  const row = page.locator(`tr[data-key="${slug}"]`);
  await row.getByRole("button", { name: `Placement of ${slug}` }).click();
  const dialog = page.getByRole("dialog", { name: `Placement of ${slug}` });
  await dialog.waitFor();
  return dialog;
}
