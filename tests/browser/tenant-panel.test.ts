import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant, type TestTenant } from "../harness.ts";
import { type BrowserStack, loginTenant, screenshot, startBrowserStack } from "./harness.ts";

/** A link of the side navigation (the dashboard's getting-started card links to the same pages). */
const nav = (page: Page, label: string) =>
  page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: label, exact: true });

let bs: BrowserStack;
let dataDir: string;
beforeAll(async () => {
  // Backups and branding files land in DATA_DIR: a private one per run.
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-browser-"));
  bs = await startBrowserStack({ DATA_DIR: dataDir });
});
afterAll(async () => {
  await bs?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

// A valid 1×1 PNG: the API checks the image's signature, not only its name.
const PNG_1PX = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  "base64",
);
const PRIMARY = 'getComputedStyle(document.documentElement).getPropertyValue("--primary").trim()';
const row = (page: Page, text: string) => page.locator("tbody tr", { hasText: text });

describe("tenant panel in Chromium", { timeout: 90_000 }, () => {
  let tenant: TestTenant;
  let page: Page;

  beforeAll(async () => {
    tenant = await signupTenant(bs.stack);
    page = await bs.newPage();
  });

  it("signs in on the tenant's subdomain and lands on the dashboard", async () => {
    await page.goto(`${bs.tenantUrl(tenant.slug)}/`);
    // The name arrives with the branding request after the first paint.
    await expect.poll(() => page.getByTestId("company-name").textContent()).toBe(`Company ${tenant.slug}`);
    await screenshot(page, "login-1280");
    // Client-side validation: nothing is sent for an empty form.
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Enter a valid e-mail address.").waitFor();
    // The server's message is shown for a wrong password.
    await page.getByLabel("E-mail").fill(tenant.email);
    await page.getByLabel("Password").fill("wrong-password-123");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("alert").waitFor();
    expect((await page.getByRole("alert").textContent())?.length).toBeGreaterThan(0);
    await loginTenant(bs, page, tenant);
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();
    await page.getByText("Active subscribers", { exact: true }).waitFor();
    await screenshot(page, "dashboard-1280");
  });

  it("creates a plan, a NAS (secret shown once) and a subscriber, and lists each", async () => {
    await nav(page, "Plans").click();
    await page.getByRole("button", { name: "New plan" }).click();
    let dlg = page.getByRole("dialog");
    await dlg.getByLabel("Name").fill("Home 50");
    await dlg.getByLabel("Download (kbit/s)", { exact: true }).fill("50000");
    await dlg.getByLabel("Upload (kbit/s)", { exact: true }).fill("10000");
    await dlg.getByLabel("Price").fill("19.90");
    // Every field the API has is in the form: quota with its fair-usage speeds, burst.
    await dlg.getByLabel("Quota (GiB, empty = unlimited)").fill("100");
    await dlg.getByRole("button", { name: "Create plan" }).click();
    await dlg.getByText("A quota needs a period.").waitFor();
    await dlg.getByLabel("Quota period").selectOption("monthly");
    await dlg.getByRole("button", { name: "Create plan" }).click();
    await dlg.getByText("Throttling needs the reduced download speed.").waitFor();
    await dlg.getByLabel("Throttled download (kbit/s)").fill("2000");
    await dlg.getByLabel("Throttled upload (kbit/s)").fill("1000");
    await dlg.getByLabel("Burst download (kbit/s)").fill("80000");
    await dlg.getByRole("button", { name: "Create plan" }).click();
    await row(page, "Home 50").waitFor();
    const saved = await bs.stack.request("GET", "/api/plans?search=Home%2050", {
      host: tenant.host,
      token: tenant.token,
    });
    expect(saved.body.items[0]).toMatchObject({
      quotaBytes: 100 * 1024 ** 3,
      quotaPeriod: "monthly",
      fupAction: "throttle",
      fupDownloadKbps: 2000,
      fupUploadKbps: 1000,
      burstDownloadKbps: 80000,
    });
    expect(await row(page, "Home 50").textContent()).toContain("19.90");
    expect(await row(page, "Home 50").textContent()).toContain("50 Mbit/s / 10 Mbit/s");
    await screenshot(page, "plans-1280");

    await nav(page, "NAS devices").click();
    await page.getByRole("button", { name: "New NAS" }).click();
    dlg = page.getByRole("dialog");
    await dlg.getByLabel("Name").fill("Core router");
    await dlg.getByLabel("IP address").fill("not-an-ip");
    await dlg.getByRole("button", { name: "Create NAS" }).click();
    await dlg.getByText("IP address must be an IPv4 or IPv6 address.").waitFor();
    await dlg.getByLabel("IP address").fill("10.20.30.40");
    await dlg.getByRole("button", { name: "Create NAS" }).click();
    const secret = (await page.getByTestId("nas-secret").textContent())?.trim() ?? "";
    expect(secret.length).toBeGreaterThanOrEqual(8);
    await page.getByRole("button", { name: "Done" }).click();
    await row(page, "Core router").waitFor();
    expect(await row(page, "Core router").textContent()).toContain("10.20.30.40");
    // Once closed, the secret is nowhere on the page.
    expect(await page.content()).not.toContain(secret);
    await screenshot(page, "nas-1280");

    // The expiry is typed on the tenant's clock (Nairobi, UTC+3), whatever the browser's.
    await bs.stack.request("PATCH", "/api/settings/timezone", {
      host: tenant.host,
      token: tenant.token,
      body: { timezone: "Africa/Nairobi" },
    });
    await page.reload();
    await nav(page, "Subscribers").click();
    await page.getByRole("button", { name: "New subscriber" }).click();
    dlg = page.getByRole("dialog");
    await dlg.getByLabel("Username").fill("alice.home");
    await dlg.getByLabel("Password").fill("pppoe-secret");
    await dlg.getByLabel("Plan").selectOption({ label: "Home 50" });
    await dlg.getByLabel("Full name").fill("Alice Example");
    await dlg.getByLabel("Expires (Africa/Nairobi)").fill("2027-02-01T00:30");
    await dlg.getByLabel("Address", { exact: true }).fill("Moi Avenue 5");
    await dlg.getByLabel("Static IP").fill("10.9.9.9");
    await dlg.getByLabel("MAC address").fill("aa-bb-cc-dd-ee-zz");
    await dlg.getByLabel("Lock to the MAC of the first login").check();
    await dlg.getByRole("button", { name: "Create subscriber" }).click();
    await dlg.getByText("Like AA:BB:CC:DD:EE:FF.").waitFor();
    await dlg.getByLabel("MAC address").fill("aa-bb-cc-dd-ee-ff");
    await dlg.getByRole("button", { name: "Create subscriber" }).click();
    await row(page, "alice.home").waitFor();
    expect(await row(page, "alice.home").textContent()).toContain("Home 50");
    // Search goes to the server and narrows the list.
    await page.getByLabel("Search").fill("nobody-matches");
    await page.getByText("No subscribers match.").waitFor();
    await page.getByLabel("Search").fill("alice");
    await row(page, "alice.home").waitFor();
    await screenshot(page, "subscribers-1280");

    // The API agrees with what the page shows.
    const api = await bs.stack.request("GET", "/api/subscribers", { host: tenant.host, token: tenant.token });
    expect(api.body.items.map((s: { username: string }) => s.username)).toEqual(["alice.home"]);
    const one = await bs.stack.request("GET", `/api/subscribers/${api.body.items[0].id}`, {
      host: tenant.host,
      token: tenant.token,
    });
    expect(one.body.subscriber).toMatchObject({
      expiresAt: "2027-01-31T21:30:00.000Z",
      address: "Moi Avenue 5",
      staticIp: "10.9.9.9",
      macAddress: "AA:BB:CC:DD:EE:FF",
      macLockOnFirstLogin: true,
    });
    // Editing starts from the whole record, so saving keeps what the list does not show.
    // Secondary actions sit behind "More" so each row stays one line.
    await row(page, "alice.home").getByText("More").click();
    await row(page, "alice.home").getByRole("button", { name: "Edit alice.home" }).click();
    dlg = page.getByRole("dialog");
    await expect.poll(() => dlg.getByLabel("Address", { exact: true }).inputValue()).toBe("Moi Avenue 5");
    expect(await dlg.getByLabel("Expires (Africa/Nairobi)").inputValue()).toBe("2027-02-01T00:30");
    await dlg.getByLabel("Phone").fill("+254700111222");
    await dlg.getByRole("button", { name: "Save" }).click();
    await dlg.waitFor({ state: "detached" });
    const after = await bs.stack.request("GET", `/api/subscribers/${api.body.items[0].id}`, {
      host: tenant.host,
      token: tenant.token,
    });
    expect(after.body.subscriber).toMatchObject({
      phone: "+254700111222",
      address: "Moi Avenue 5",
      macLockOnFirstLogin: true,
    });

    // One line per row at 1280 px, with online state, IP, usage and balance in the row.
    await screenshot(page, "subscribers-1280");
    const box = await row(page, "alice.home").boundingBox();
    expect(box?.height ?? 0).toBeLessThan(60);
    expect(await row(page, "alice.home").getByRole("img", { name: "offline" }).count()).toBe(1);
    expect(await row(page, "alice.home").textContent()).toContain("10.9.9.9");
    // A bulk action on a selection.
    await page.getByLabel("Select alice.home").check();
    const bulk = page.getByRole("form", { name: "Bulk action" });
    await bulk.getByLabel("Action").selectOption("disable");
    await bulk.getByRole("button", { name: "Apply to 1" }).click();
    await row(page, "alice.home").getByText("disabled", { exact: true }).waitFor();
  });

  it("writes dates in the tenant's chosen order and clock, on its timezone", async () => {
    await page.goto(`${bs.tenantUrl(tenant.slug)}/settings`);
    const form = page.getByRole("form", { name: "Date format" });
    await form.getByLabel("Order").selectOption("dmy");
    await form.getByLabel("Clock").selectOption("12h");
    await form.getByRole("button", { name: "Save date format" }).click();
    await page.getByText("Date format saved").waitFor();
    await nav(page, "Subscribers").click();
    // alice.home expires 2027-01-31T21:30Z: 00:30 on 1 February in Nairobi.
    await row(page, "alice.home").getByText("01/02/2027 12:30 AM").waitFor();
    await bs.stack.request("PUT", "/api/settings/date-format", {
      host: tenant.host,
      token: tenant.token,
      body: { order: "ymd", clock: "24h" },
    });
  });

  it("shows the money received this month on the dashboard in the tenant's currency: a 15.00 payment reads €15.00", async () => {
    const api = (method: string, path: string, body?: unknown) =>
      bs.stack.request(method, path, { host: tenant.host, token: tenant.token, body });
    const plan = (await api("POST", "/api/plans", { name: "Cash plan", downloadKbps: 1, uploadKbps: 1 })).body.plan.id;
    const sub = (await api("POST", "/api/subscribers", { username: "cash-payer", password: "pass1234", planId: plan }))
      .body.subscriber.id;
    const invoice = (await api("POST", "/api/invoices", { subscriberId: sub, amountCents: 1_500, description: "May" }))
      .body.invoice.id;
    expect((await api("POST", `/api/invoices/${invoice}/payments`, {})).status).toBe(201);
    expect((await api("PUT", "/api/settings/currency", { currency: "EUR" })).status).toBe(200);
    await page.goto(`${bs.tenantUrl(tenant.slug)}/`);
    const card = page.locator(".card", { hasText: "Revenue this month" });
    await expect.poll(() => card.locator(".stat").textContent()).toBe("€15.00");
    await page.goto(`${bs.tenantUrl(tenant.slug)}/billing`);
    await page.getByRole("cell", { name: "€15.00" }).first().waitFor();

    // A part payment from the panel: amount, method, reference; the invoice stays open for the rest.
    const second = (await api("POST", "/api/invoices", { subscriberId: sub, amountCents: 2_000, description: "June" }))
      .body.invoice;
    await page.reload();
    await page.getByRole("button", { name: `Record payment for invoice ${second.number}` }).click();
    const dlg = page.getByRole("dialog");
    await dlg.getByText("Still owed: €20.00").waitFor();
    await dlg.getByLabel("Amount received (EUR)").fill("5.00");
    await dlg.getByLabel("Method").selectOption("mobile_money");
    await dlg.getByLabel("Reference (slip, M-Pesa code…)").fill("QX99ZZ");
    await dlg.getByRole("button", { name: "Record payment" }).click();
    await page.getByText("Part payment recorded").waitFor();
    const paymentRow = page.locator("tbody tr", { hasText: "QX99ZZ" });
    await paymentRow.waitFor();
    expect(await paymentRow.textContent()).toContain("Mobile money");
    expect(await paymentRow.textContent()).toContain("€5.00");
    const after = await api("GET", `/api/invoices/${second.id}`);
    expect(after.body.invoice).toMatchObject({ status: "unpaid", amountPaidCents: 500 });
  });

  it("shows the saved timezone in Settings after a reload, not the first of the list", async () => {
    const saved = await bs.stack.request("PATCH", "/api/settings/timezone", {
      host: tenant.host,
      token: tenant.token,
      body: { timezone: "Africa/Nairobi" },
    });
    expect(saved.status).toBe(200);
    await page.goto(`${bs.tenantUrl(tenant.slug)}/settings`);
    const select = page.getByLabel("Timezone (expiry dates, schedules)");
    await expect.poll(() => select.inputValue()).toBe("Africa/Nairobi");

    // Dates on screen are on the tenant's clock (UTC+3), 24-hour, not the browser's zone or format.
    const api = (method: string, path: string, body?: unknown) =>
      bs.stack.request(method, path, { host: tenant.host, token: tenant.token, body });
    const plan = (await api("POST", "/api/plans", { name: "Clock plan", downloadKbps: 1, uploadKbps: 1 })).body.plan.id;
    const created = await api("POST", "/api/subscribers", {
      username: "clock-reader",
      password: "pass1234",
      planId: plan,
      expiresAt: "2027-01-01T22:16:18Z",
    });
    expect(created.status).toBe(201);
    await page.goto(`${bs.tenantUrl(tenant.slug)}/subscribers`);
    await expect.poll(() => row(page, "clock-reader").textContent()).toContain("2027-01-02 01:16");
  });

  it("is usable at 390 px: the navigation folds behind a menu button", async () => {
    const narrow = await bs.newPage({ width: 390, height: 844 });
    await loginTenant(bs, narrow, tenant);
    const nav = narrow.getByRole("navigation", { name: "Main" });
    expect(await nav.isVisible()).toBe(false);
    await narrow.getByRole("button", { name: "Menu" }).click();
    await nav.getByRole("link", { name: "Subscribers" }).click();
    await row(narrow, "alice.home").waitFor();
    // Page-side code as strings: the repository's tsconfig has no DOM library.
    const width = (await narrow.evaluate("document.documentElement.scrollWidth")) as number;
    // On failure, name the elements that stick out past the viewport.
    const wide = (await narrow.evaluate(
      `[...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > 391).slice(0, 8).map((e) => e.tagName + "." + e.className)`,
    )) as string[];
    expect(width, wide.join(", ")).toBeLessThanOrEqual(390);
    await screenshot(narrow, "subscribers-390");
    await narrow.context().close();
  });

  it("branding changes show on this tenant's login page and not on another tenant's", async () => {
    const other = await signupTenant(bs.stack);
    await nav(page, "Settings").click();
    await page.getByLabel("Company name").fill("Fibre Rapide");
    await page.getByLabel("Primary colour").fill("#aa0000");
    await expect.poll(() => page.getByTestId("branding-preview").textContent()).toContain("Fibre Rapide");
    await page.getByRole("button", { name: "Save branding" }).click();
    await page.getByText("Branding saved").waitFor();
    await page.getByLabel(/^Logo/).setInputFiles({ name: "logo.png", mimeType: "image/png", buffer: PNG_1PX });
    await page.getByText("Image uploaded").waitFor();
    await screenshot(page, "settings-1280");

    const fresh = await bs.newPage();
    await fresh.goto(`${bs.tenantUrl(tenant.slug)}/`);
    await fresh.getByText("Fibre Rapide").waitFor();
    const primary = (await fresh.evaluate(PRIMARY)) as string;
    expect(primary).toBe("#aa0000");
    expect(await fresh.title()).toBe("Fibre Rapide");
    const logo = fresh.locator("img.login-logo");
    await logo.waitFor();
    // The uploaded image really loads (served by the API for this host), not a broken <img>.
    await expect.poll(() => fresh.evaluate('document.querySelector("img.login-logo").naturalWidth')).toBe(1);
    await screenshot(fresh, "login-branded");

    await fresh.goto(`${bs.tenantUrl(other.slug)}/`);
    // The name arrives with the branding request after the first paint: wait for it, then compare.
    await expect.poll(() => fresh.getByTestId("company-name").textContent()).toBe(`Company ${other.slug}`);
    expect(await fresh.content()).not.toContain("Fibre Rapide");
    expect(await fresh.locator("img.login-logo").count()).toBe(0);
    const otherPrimary = (await fresh.evaluate(PRIMARY)) as string;
    expect(otherPrimary).not.toBe("#aa0000");
    await fresh.context().close();
  });

  it("creates a backup and restores it from the UI, then asks to sign in again", async () => {
    await nav(page, "Backups").click();
    await page.getByRole("progressbar", { name: "Backup storage" }).waitFor();
    await page.getByRole("button", { name: "Create backup now" }).click();
    await page.getByText("Backup created").waitFor();
    const badge = page.locator("tbody tr .badge").first();
    await badge.waitFor();
    expect(["pending upload", "uploaded"]).toContain(await badge.textContent());
    await screenshot(page, "backups-1280");

    // Made after the backup: the restore must take it away again.
    const later = await bs.stack.request("POST", "/api/plans", {
      host: tenant.host,
      token: tenant.token,
      body: { name: "After backup", downloadKbps: 1000, uploadKbps: 1000 },
    });
    expect(later.status).toBe(201);

    await page
      .getByRole("button", { name: /^Restore backup of/ })
      .first()
      .click();
    const dialog = page.getByRole("dialog", { name: "Restore backup" });
    expect(await dialog.textContent()).toContain("replaces all of this workspace's data");
    const confirm = dialog.getByRole("button", { name: "Restore" });
    expect(await confirm.isDisabled()).toBe(true);
    await dialog.getByRole("textbox").fill("RESTORE");
    await confirm.click();
    // Either the finished job's prompt or (if the token was already replaced) the login notice.
    await page.locator("[data-testid=restore-done], [data-testid=login-notice]").first().waitFor({ timeout: 60_000 });
    await screenshot(page, "backup-restored");
    if (await page.getByTestId("restore-done").isVisible()) {
      await page.getByRole("button", { name: "Sign in again" }).click();
    }
    await page.getByTestId("login-notice").waitFor();
    await loginTenant(bs, page, tenant);
    await nav(page, "Plans").click();
    await row(page, "Home 50").waitFor();
    expect(await row(page, "After backup").count()).toBe(0);
  });
});
