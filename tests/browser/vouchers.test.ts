import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { hashPassword } from "@proxpanel/auth";
import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant, type TestTenant } from "../harness.ts";
import { type BrowserStack, loginTenant, screenshot, startBrowserStack } from "./harness.ts";

let bs: BrowserStack;
let tenant: TestTenant;
const api = (method: string, path: string, body?: unknown) =>
  bs.stack.request(method, path, { host: tenant.host, token: tenant.token, body });

beforeAll(async () => {
  bs = await startBrowserStack();
  tenant = await signupTenant(bs.stack);
  expect((await api("PUT", "/api/settings/currency", { currency: "EUR" })).status).toBe(200);
  expect((await api("POST", "/api/plans", { name: "Hotspot", downloadKbps: 4000, uploadKbps: 1000 })).status).toBe(201);
});
afterAll(() => bs?.close());

/** What a MikroTik router's /login receives: every form post, as fields. */
function fakeRouter() {
  const posts: Record<string, string>[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString("utf8");
    });
    req.on("end", () => {
      if (req.method === "POST") posts.push(Object.fromEntries(new URLSearchParams(body)));
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<!doctype html><title>Connected</title><h1>You are logged in</h1>");
    });
  });
  return {
    posts,
    listen: () =>
      new Promise<number>((r) => server.listen(0, "127.0.0.1", () => r((server.address() as AddressInfo).port))),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** MikroTik's $(chap-id)/$(chap-challenge) spelling: every byte as a backslash and three octal digits. */
const octal = (bytes: number[]) => bytes.map((b) => `\\${b.toString(8).padStart(3, "0")}`).join("");

describe("hotspot vouchers in Chromium", { timeout: 180_000 }, () => {
  it("generates a batch in the Vouchers page, shows prices in the tenant's currency, exports CSV and prints cards", async () => {
    const page = await bs.newPage();
    await loginTenant(bs, page, tenant);
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Vouchers", exact: true }).click();
    await page.getByRole("heading", { level: 1, name: "Vouchers" }).waitFor();
    await page.getByRole("button", { name: "Generate vouchers" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Batch name").fill("Cafe March");
    await dialog.getByLabel("Number of vouchers").fill("12");
    await dialog.getByLabel("Plan (rate and pool)").selectOption({ label: "Hotspot" });
    await dialog.getByLabel("Time online (hours)").fill("2");
    await dialog.getByLabel("Data (GB)").fill("1.5");
    await dialog.getByLabel("Valid from first use (days)").fill("7");
    await dialog.getByLabel("Price per voucher").fill("2.50");
    await dialog.getByLabel("Code prefix").fill("CM");
    await dialog.getByRole("button", { name: "Generate" }).click();
    await dialog.waitFor({ state: "detached" });

    const batchRow = page
      .locator("table", { has: page.locator("caption", { hasText: "Voucher batches" }) })
      .locator("tbody tr", { hasText: "Cafe March" });
    await batchRow.waitFor();
    const batchText = await batchRow.textContent();
    expect(batchText).toContain("€2.50");
    expect(batchText).toContain("2 h · 1.5 GB · valid 7 days");
    expect(batchText).toContain("12 · 12 unused");
    const voucherRows = page
      .locator("table", { has: page.locator("caption", { hasText: /^Vouchers$/ }) })
      .locator("tbody tr");
    await expect.poll(() => voucherRows.count(), { timeout: 10_000 }).toBe(12);
    const first = await voucherRows.first().textContent();
    expect(first).toMatch(/CM[A-Z2-9]{10}/);
    expect(first).toContain("unused");
    expect(first).toContain("€2.50");

    const [csv] = await Promise.all([
      page.waitForEvent("download"),
      batchRow.getByRole("button", { name: "Export CSV of Cafe March" }).click(),
    ]);
    expect(csv.suggestedFilename()).toBe("vouchers-Cafe-March.csv");
    const lines = (await readFile((await csv.path()) ?? "", "utf8")).trim().split("\n");
    expect(lines).toHaveLength(13);
    expect(lines[1]).toMatch(/^CM[A-Z2-9]{10},unused,Cafe March,2\.50,EUR,7200,1500000000,604800,/);
    const [pdf] = await Promise.all([
      page.waitForEvent("download"),
      batchRow.getByRole("button", { name: "Print PDF of Cafe March" }).click(),
    ]);
    expect(pdf.suggestedFilename()).toBe("vouchers-Cafe-March.pdf");
    expect((await readFile((await pdf.path()) ?? "")).subarray(0, 5).toString()).toBe("%PDF-");

    // Disabling a voucher shows at once in its row.
    const code = /CM[A-Z2-9]{10}/.exec(first ?? "")?.[0] ?? "";
    await page.getByRole("button", { name: `Disable ${code}` }).click();
    await page.locator("tbody tr", { hasText: code }).getByText("disabled", { exact: true }).waitFor();
    await screenshot(page, "vouchers-page");
  });

  it("keeps the Vouchers menu item from a user without vouchers.view", async () => {
    const [row] = await bs.stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, tenant.id));
    const { db, t } = bs.stack.runtime.deps.tenantClients.get(row?.schemaName ?? "");
    const [group] = await db
      .insert(t.permissionGroups)
      .values({ name: "Plans only", permissions: ["plans.view"] })
      .returning();
    await db.insert(t.users).values({
      email: "plans@vouchers.example",
      passwordHash: await hashPassword("plans-password-1"),
      permissionGroupId: group?.id ?? null,
    });
    const page = await bs.newPage();
    await loginTenant(bs, page, { ...tenant, email: "plans@vouchers.example", password: "plans-password-1" });
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Plans", exact: true }).waitFor();
    expect(await nav.getByRole("link", { name: "Vouchers", exact: true }).count()).toBe(0);
    await page.goto(`${bs.tenantUrl(tenant.slug)}/vouchers`);
    expect(await page.getByTestId("page-refused").textContent()).toContain("vouchers.view");
  });

  it("logs a phone in at 390 px through the hotspot page: CHAP hash and PAP reach the router's form", async () => {
    const router = fakeRouter();
    const port = await router.listen();
    try {
      const page = await bs.newPage({ width: 390, height: 844 });
      const chapId = [0o375];
      const challenge = [1, 2, 0x80, 0xff, 0x10, 0x7f, 0, 0x41, 0xc3, 0xa9, 9, 10, 11, 12, 13, 14];
      const params = new URLSearchParams({
        "link-login-only": `http://127.0.0.1:${port}/login`,
        "link-orig": "http://example.com/news",
        "chap-id": octal(chapId),
        "chap-challenge": octal(challenge),
        mac: "AA:BB:CC:DD:EE:FF",
        ip: "10.5.50.23",
        error: "invalid username or password",
      });
      await page.goto(`${bs.tenantUrl(tenant.slug)}/hotspot/login?${params}`);
      await page.getByRole("heading", { level: 1 }).waitFor();
      // The router's error is shown, as text.
      expect(await page.getByRole("alert").textContent()).toBe("invalid username or password");
      // Usable on a phone: nothing wider than the screen.
      expect(await page.evaluate<number>("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390);
      await screenshot(page, "hotspot-login-390");
      const code = "HSX7K2P9QR";
      await page.getByLabel("Voucher code").fill(code);
      await page.getByRole("button", { name: "Connect" }).click();
      await expect.poll(() => router.posts.length, { timeout: 10_000 }).toBe(1);
      const expected = createHash("md5")
        .update(Buffer.concat([Buffer.from(chapId), Buffer.from(code, "utf8"), Buffer.from(challenge)]))
        .digest("hex");
      expect(router.posts[0]).toEqual({
        username: code,
        password: expected,
        dst: "http://example.com/news",
        popup: "true",
      });
      await page.getByRole("heading", { name: "You are logged in" }).waitFor();

      // No challenge: PAP, the password as it is (the code, by the tenant's default setting).
      params.delete("chap-id");
      params.delete("chap-challenge");
      params.delete("error");
      await page.goto(`${bs.tenantUrl(tenant.slug)}/hotspot/login?${params}`);
      await page.getByLabel("Voucher code").fill(code);
      await page.getByRole("button", { name: "Connect" }).click();
      await expect.poll(() => router.posts.length, { timeout: 10_000 }).toBe(2);
      expect(router.posts[1]).toMatchObject({ username: code, password: code });

      // The empty-password setting: the page sends the code with an empty password.
      expect((await api("PUT", "/api/vouchers/settings", { passwordMode: "empty", loginUrl: null })).status).toBe(200);
      await page.goto(`${bs.tenantUrl(tenant.slug)}/hotspot/login?${params}`);
      await page.getByLabel("Voucher code").fill(code);
      await page.getByRole("button", { name: "Connect" }).click();
      await expect.poll(() => router.posts.length, { timeout: 10_000 }).toBe(3);
      expect(router.posts[2]).toMatchObject({ username: code, password: "" });
    } finally {
      await router.close();
    }
  });

  it("refuses to post anywhere but http(s) and escapes what the router passes", async () => {
    const page = await bs.newPage({ width: 390, height: 844 });
    const params = new URLSearchParams({
      "link-login-only": "javascript:alert(1)",
      error: '<img src=x onerror="window.pwned=1">',
    });
    await page.goto(`${bs.tenantUrl(tenant.slug)}/hotspot/login?${params}`);
    const alerts = await page.getByRole("alert").allTextContents();
    expect(alerts).toContain('<img src=x onerror="window.pwned=1">');
    expect(alerts).toContain("Open this page from the Wi-Fi hotspot to log in.");
    expect(await page.getByRole("button", { name: "Connect" }).isDisabled()).toBe(true);
    expect(await page.evaluate<unknown>("window.pwned")).toBeUndefined();
  });
});
