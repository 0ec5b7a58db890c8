import { mailOutbox } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant, uniqueSlug } from "../harness.ts";
import { type BrowserStack, screenshot, startBrowserStack } from "./harness.ts";

let bs: BrowserStack;
beforeAll(async () => {
  bs = await startBrowserStack();
});
afterAll(() => bs?.close());

describe("signup on the apex in Chromium", () => {
  it("checks the workspace name as it is typed, then lands the new owner signed in on its subdomain", async () => {
    const taken = await signupTenant(bs.stack);
    const page = await bs.newPage();
    await page.goto(`${bs.apexUrl()}/`);
    await page.getByRole("heading", { name: "Open your ISP workspace" }).waitFor();
    const name = page.getByLabel("Workspace name");
    await name.fill(taken.slug);
    await page.getByText(`"${taken.slug}" is already taken.`).waitFor();
    await name.fill("template");
    await page.getByText('"template" is reserved.').waitFor();
    const slug = uniqueSlug("web");
    await name.fill(slug);
    await page.getByText(`${slug}.`, { exact: false }).filter({ hasText: "is free" }).waitFor();
    // Client-side checks first: nothing is sent with a short password.
    await page.getByLabel("Company name").fill("Web Signup ISP");
    await page.getByLabel("Your e-mail (first administrator)").fill(`owner@${slug}.example`);
    await page.getByLabel("Password", { exact: true }).fill("short");
    await page.getByRole("button", { name: "Open my workspace" }).click();
    await page.getByText("At least 10 characters.", { exact: true }).first().waitFor();
    await screenshot(page, "signup-1280");
    await page.getByLabel("Password", { exact: true }).fill("a-long-enough-password");
    await page.getByRole("button", { name: "Open my workspace" }).click();
    await page.waitForURL(`${bs.tenantUrl(slug)}/`);
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    // Signed in, and the handoff token is gone from the address bar.
    expect(page.url()).not.toContain("handoff");
    expect(await page.evaluate('localStorage.getItem("proxpanel.token")')).toBeTruthy();
  });

  it("keeps the operators' console one link away, at /console", async () => {
    const page = await bs.newPage({ width: 390, height: 844 });
    await page.goto(`${bs.apexUrl()}/`);
    await page.getByRole("link", { name: "Operator console" }).click();
    await page.waitForURL(`${bs.apexUrl()}/console`);
    await page.getByRole("button", { name: "Sign in" }).waitFor();
  });

  it("mails a forgetful owner the addresses of its workspaces", async () => {
    const t = await signupTenant(bs.stack);
    const page = await bs.newPage({ width: 390, height: 844 });
    await page.goto(`${bs.apexUrl()}/`);
    await page.getByLabel("Forgot its name? Your e-mail").fill(t.email);
    await page.getByRole("button", { name: "Mail me my workspaces" }).click();
    await page.getByTestId("find-sent").waitFor();
    const db = bs.stack.runtime.deps.db;
    // The mail is queued after the answer (the same timing whether or not the address is known), so
    // it can land a moment later than the page's "sent" on a loaded machine: poll past the 1 s default.
    await expect
      .poll(async () => (await db.select().from(mailOutbox).where(eq(mailOutbox.to, t.email))).map((m) => m.kind), {
        timeout: 10_000,
      })
      .toContain("workspace_links");
  });
});
