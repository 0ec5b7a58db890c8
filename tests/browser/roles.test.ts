import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant, type TestTenant, uniqueSlug } from "../harness.ts";
import { type BrowserStack, loginTenant, startBrowserStack } from "./harness.ts";

let bs: BrowserStack;
let owner: TestTenant;
let support: TestTenant;
beforeAll(async () => {
  bs = await startBrowserStack();
  owner = await signupTenant(bs.stack);
  const api = (method: string, path: string, body?: unknown) =>
    bs.stack.request(method, path, { host: owner.host, token: owner.token, body });
  const group = await api("POST", "/api/permission-groups", {
    name: "Support desk",
    permissions: ["subscribers.view"],
  });
  expect(group.status).toBe(201);
  const email = `support-${uniqueSlug()}@roles.example`;
  const user = await api("POST", "/api/users", {
    email,
    password: "support-password-1",
    permissionGroupId: group.body.group.id,
  });
  expect(user.status).toBe(201);
  support = { ...owner, email, password: "support-password-1" };
  const plan = (await api("POST", "/api/plans", { name: "Roles plan", downloadKbps: 1, uploadKbps: 1 })).body.plan.id;
  expect(
    (await api("POST", "/api/subscribers", { username: "role-sub", password: "pass1234", planId: plan })).status,
  ).toBe(201);
});
afterAll(() => bs?.close());

const navLabels = (page: Page) => page.locator("#main-nav a").allTextContents();

/** Opens every path and fails on a page still "Loading…" after 2 s or on an uncaught page error. */
async function walk(page: Page, base: string, paths: string[]): Promise<string[]> {
  const problems: string[] = [];
  page.on("pageerror", (err) => problems.push(`page error: ${err.message}`));
  for (const path of paths) {
    await page.goto(`${base}${path}`);
    await page.getByRole("button", { name: "Sign out" }).waitFor();
    await page.waitForTimeout(2_000);
    if (await page.getByText("Loading…", { exact: true }).isVisible())
      problems.push(`${path}: still Loading… after 2 s`);
  }
  return problems;
}

const ALL_PATHS = [
  "/",
  "/subscribers",
  "/plans",
  "/nas",
  "/ip-pools",
  "/wireguard",
  "/sessions",
  "/billing",
  "/vouchers",
  "/resellers",
  "/users",
  "/notifications",
  "/backups",
  "/audit",
  "/settings",
];

describe("roles in the tenant panel (Chromium)", { timeout: 120_000 }, () => {
  it("shows a limited admin only what its permissions open, and says why elsewhere", async () => {
    const page = await bs.newPage();
    await loginTenant(bs, page, support);
    expect(await navLabels(page)).toEqual(["Dashboard", "Subscribers"]);
    await page.goto(`${bs.tenantUrl(owner.slug)}/billing`);
    const refused = page.getByTestId("page-refused");
    await refused.waitFor();
    expect(await refused.textContent()).toContain("billing.view");
    await page.goto(`${bs.tenantUrl(owner.slug)}/vouchers`);
    await refused.waitFor();
    expect(await refused.textContent()).toContain("vouchers.view");
    // Its subscriber list offers no action it may not take.
    await page.goto(`${bs.tenantUrl(owner.slug)}/subscribers`);
    const subRow = page.locator("tbody tr", { hasText: "role-sub" });
    await subRow.waitFor();
    expect(await subRow.getByRole("button").allTextContents()).toEqual(["Usage"]);
    expect(await page.getByRole("button", { name: "New subscriber" }).isVisible()).toBe(false);
    expect(await walk(page, bs.tenantUrl(owner.slug), ALL_PATHS)).toEqual([]);
  });

  it("shows the owner every page its plan has, and a module its plan lacks as such", async () => {
    const page = await bs.newPage();
    await loginTenant(bs, page, owner);
    // Module pages join the menu once the plan has loaded: wait for it rather than race it.
    await expect.poll(() => navLabels(page)).toContain("Resellers");
    const labels = await navLabels(page);
    expect(labels).toContain("Invoices & payments");
    expect(labels).toContain("WireGuard");
    expect(labels).toContain("Vouchers");
    // One click from a subscriber to why it cannot connect.
    await page.goto(`${bs.tenantUrl(owner.slug)}/subscribers`);
    await page.getByRole("link", { name: "Connection log of role-sub" }).click();
    await page.getByRole("heading", { name: "Connection log" }).waitFor();
    expect(await page.getByLabel("Username starts with").inputValue()).toBe("role-sub");
    expect(await walk(page, bs.tenantUrl(owner.slug), ALL_PATHS)).toEqual([]);

    // A trial workspace has no resellers module: no menu item, and the page says so.
    const slug = uniqueSlug("trial");
    const email = `owner@${slug}.example`;
    const signup = await bs.stack.request("POST", "/api/signup", {
      body: { slug, companyName: "Trial ISP", plan: "trial", adminEmail: email, adminPassword: "trial-password-1" },
    });
    expect(signup.status).toBe(201);
    const trial = { ...owner, slug, host: `${slug}.proxpanel.test`, email, password: "trial-password-1" };
    const p2 = await bs.newPage();
    await loginTenant(bs, p2, trial);
    expect(await navLabels(p2)).not.toContain("Resellers");
    await p2.goto(`${bs.tenantUrl(slug)}/resellers`);
    expect(await p2.getByTestId("page-refused").textContent()).toContain("Resellers module is not part of");
    expect(await walk(p2, bs.tenantUrl(slug), ALL_PATHS)).toEqual([]);
  });

  it("gives a reseller its own view: its balance and movements, only its pages, charged when it adds a subscriber", async () => {
    const api = (method: string, path: string, body?: unknown, token = owner.token) =>
      bs.stack.request(method, path, { host: owner.host, token, body });
    const email = `reseller-${uniqueSlug()}@roles.example`;
    const created = await api("POST", "/api/resellers", { name: "North Shop", email, password: "reseller-password-1" });
    expect(created.status).toBe(201);
    expect((await api("POST", `/api/resellers/${created.body.reseller.id}/topup`, { amountCents: 5_000 })).status).toBe(
      201,
    );
    const plan = (
      await api("POST", "/api/plans", {
        name: "Resold 10M",
        downloadKbps: 10_000,
        uploadKbps: 2_000,
        priceCents: 1_500,
      })
    ).body.plan.id;
    const reseller = { ...owner, email, password: "reseller-password-1" };
    const page = await bs.newPage();
    await loginTenant(bs, page, reseller);
    expect(await page.getByTestId("reseller-balance").textContent()).toBe("$50.00");
    const labels = await navLabels(page);
    for (const hidden of ["Settings", "Backups", "NAS devices", "Admin users"]) expect(labels).not.toContain(hidden);
    // Resellers sell vouchers: vouchers.view is among their fixed permissions.
    expect(labels).toContain("Vouchers");
    // A subscriber it creates is charged to its balance, and the dashboard says so.
    const login = await bs.stack.request("POST", "/api/auth/login", {
      host: owner.host,
      body: { email, password: "reseller-password-1" },
    });
    const sub = await api(
      "POST",
      "/api/subscribers",
      { username: "resold-1", password: "pass1234", planId: plan },
      login.body.token,
    );
    expect(sub.status).toBe(201);
    await page.reload();
    await expect.poll(() => page.getByTestId("reseller-balance").textContent()).toBe("$35.00");
    expect(await page.getByTestId("reseller-account").textContent()).toContain("-$15.00");
    expect(await walk(page, bs.tenantUrl(owner.slug), ALL_PATHS)).toEqual([]);
  });
});
