import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant, type TestTenant } from "../harness.ts";
import { type BrowserStack, loginTenant, screenshot, startBrowserStack } from "./harness.ts";

let bs: BrowserStack;
let dataDir: string;
let tenant: TestTenant;
let page: Page;
beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), "proxpanel-browser-pages-"));
  bs = await startBrowserStack({ DATA_DIR: dataDir });
  tenant = await signupTenant(bs.stack);
  const plan = await bs.stack.request("POST", "/api/plans", {
    host: tenant.host,
    token: tenant.token,
    body: { name: "Basic", downloadKbps: 10000, uploadKbps: 2000 },
  });
  if (plan.status !== 201) throw new Error(`plan: ${plan.status}`);
  page = await bs.newPage();
  await loginTenant(bs, page, tenant);
});
afterAll(async () => {
  await bs?.close();
  await fs.rm(dataDir, { recursive: true, force: true });
});

const PAGES = [
  ["Dashboard", "Dashboard"],
  ["Subscribers", "Subscribers"],
  ["Plans", "Plans"],
  ["NAS devices", "NAS devices"],
  ["IP pools", "IP pools"],
  ["WireGuard", "WireGuard"],
  ["Online sessions", "Online sessions"],
  ["Invoices & payments", "Invoices and payments"],
  ["Resellers", "Resellers"],
  ["Admin users", "Admin users"],
  ["Notifications", "Notification templates"],
  ["Backups", "Backups"],
  ["Audit log", "Audit log"],
  ["Settings", "Settings"],
] as const;

describe("every tenant page in Chromium", { timeout: 120_000 }, () => {
  it("opens from the navigation with its heading and without an error", async () => {
    const nav = page.getByRole("navigation", { name: "Main" });
    for (const [link, heading] of PAGES) {
      await nav.getByRole("link", { name: link, exact: true }).click();
      await page.getByRole("heading", { level: 1, name: heading }).waitFor();
      // Give each page's first requests time to answer before looking for an error banner.
      await page.waitForLoadState("networkidle");
      expect(await page.getByRole("alert").count(), `${heading} shows an error`).toBe(0);
      await screenshot(page, `page-${link.toLowerCase().replace(/[^a-z]+/g, "-")}`);
    }
  });

  /** The Subscribers page's CSV import dialog, opened from the main navigation. */
  async function openImportDialog() {
    await page
      .getByRole("navigation", { name: "Main" })
      .getByRole("link", { name: "Subscribers", exact: true })
      .click();
    await page.getByRole("button", { name: "Import CSV" }).click();
    return page.getByRole("dialog", { name: "Import subscribers from CSV" });
  }

  it("imports subscribers from CSV: a bad row is reported by line and nothing is imported until fixed", async () => {
    const dlg = await openImportDialog();
    const bad = "username,password,plan\ncsv.one,secret-1,Basic\ncsv two,x,NoSuchPlan\n";
    await dlg
      .getByLabel("CSV file")
      .setInputFiles({ name: "subs.csv", mimeType: "text/csv", buffer: Buffer.from(bad) });
    await dlg.getByRole("button", { name: "Check file" }).click();
    const report = dlg.getByTestId("import-report");
    await report.waitFor();
    expect(await report.getByRole("status").textContent()).toContain("Checked 2 rows: 1 valid, 1 with problems.");
    const problem = report.locator("tbody tr").first();
    expect(await problem.locator("td").first().textContent()).toBe("3");
    expect(await dlg.getByRole("button", { name: "Import" }).isDisabled()).toBe(true);
    await screenshot(page, "csv-import-report");

    const good = "username,password,plan\ncsv.one,secret-1,Basic\ncsv.two,secret-2,Basic\n";
    await dlg
      .getByLabel("CSV file")
      .setInputFiles({ name: "subs.csv", mimeType: "text/csv", buffer: Buffer.from(good) });
    await dlg.getByRole("button", { name: "Check file" }).click();
    await dlg.getByText("Checked 2 rows: 2 valid, 0 with problems.").waitFor();
    await dlg.getByRole("button", { name: "Import" }).click();
    await dlg.getByText("Imported 2 of 2 rows.").waitFor();
    await dlg.getByRole("button", { name: "Close" }).click();
    await page.locator("tbody tr", { hasText: "csv.two" }).waitFor();
    const list = await bs.stack.request("GET", "/api/subscribers", { host: tenant.host, token: tenant.token });
    expect(list.body.items.map((s: { username: string }) => s.username).sort()).toEqual(["csv.one", "csv.two"]);
  });

  it("reports IPv6 prefixes that overlap a pool, another subscriber or an earlier line when checking the file", async () => {
    const call = async (method: string, p: string, body: unknown) => {
      const res = await bs.stack.request(method, p, { host: tenant.host, token: tenant.token, body });
      if (res.status !== 201) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(res.body)}`);
    };
    await call("POST", "/api/ipv6-pools", { name: "Dynamic v6", prefix: "2001:db8:7000::/48", assignLength: 64 });
    const planId = (await bs.stack.request("GET", "/api/plans", { host: tenant.host, token: tenant.token })).body
      .items[0].id;
    await call("POST", "/api/subscribers", {
      username: "v6.holder",
      password: "secret-1",
      planId,
      delegatedIpv6Prefix: "2001:db8:8000::/56",
    });
    const dlg = await openImportDialog();
    const csv = [
      "username,password,plan,static_ipv6_prefix,delegated_ipv6_prefix",
      "v6.pool,secret-1,Basic,2001:db8:7000:9::/64,",
      "v6.other,secret-1,Basic,2001:db8:8000:20::/64,",
      "v6.first,secret-1,Basic,,2001:db8:9000::/56",
      "v6.second,secret-1,Basic,2001:db8:9000:1::/64,",
      "v6.free,secret-1,Basic,2001:db8:a000::/64,2001:db8:a000::/56",
    ].join("\n");
    await dlg.getByLabel("CSV file").setInputFiles({ name: "v6.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await dlg.getByRole("button", { name: "Check file" }).click();
    const report = dlg.getByTestId("import-report");
    await report.getByText("Checked 5 rows: 2 valid, 3 with problems.").waitFor();
    const rows = await report
      .locator("tbody tr")
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent)));
    expect(rows).toEqual([
      [
        "2",
        "v6.pool",
        'static_ipv6_prefix: 2001:db8:7000:9::/64 overlaps the IPv6 pool "Dynamic v6" (2001:db8:7000::/48), whose prefixes are handed out dynamically',
      ],
      ["3", "v6.other", "static_ipv6_prefix: 2001:db8:8000:20::/64 overlaps another subscriber's static IPv6 prefix"],
      [
        "5",
        "v6.second",
        "static_ipv6_prefix: 2001:db8:9000:1::/64 overlaps line 4's delegated_ipv6_prefix (2001:db8:9000::/56)",
      ],
    ]);
    expect(await dlg.getByRole("button", { name: "Import" }).isDisabled()).toBe(true);
    await screenshot(page, "csv-import-ipv6-overlaps");
    await dlg.getByRole("button", { name: "Close" }).click();
    const list = await bs.stack.request("GET", "/api/subscribers?search=v6.", {
      host: tenant.host,
      token: tenant.token,
    });
    expect(list.body.items.map((s: { username: string }) => s.username)).toEqual(["v6.holder"]);
  });

  it("shows the server's own message when the API refuses a request", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Plans", exact: true }).click();
    await page.getByRole("button", { name: "New plan" }).click();
    const dlg = page.getByRole("dialog");
    // Same name as the existing plan: the form is valid, the server refuses it.
    await dlg.getByLabel("Name").fill("Basic");
    await dlg.getByRole("button", { name: "Create plan" }).click();
    const alert = dlg.getByRole("alert");
    await alert.waitFor();
    const direct = await bs.stack.request("POST", "/api/plans", {
      host: tenant.host,
      token: tenant.token,
      body: { name: "Basic", downloadKbps: 10000, uploadKbps: 2000, validityDays: 30, priceCents: 0, isActive: true },
    });
    expect(direct.status).toBeGreaterThanOrEqual(400);
    expect(await alert.textContent()).toContain(direct.body.error.message);
    await dlg.getByRole("button", { name: "Cancel" }).click();
  });

  it("offers hourly backup schedules on a plan that includes them and hides them on trial", async () => {
    // The choices follow the plan, which loads beside the page: wait for them, do not race them.
    const expectOptions = async (p: Page, expected: string[]) => {
      await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Backups", exact: true }).click();
      await p.getByRole("button", { name: "Add schedule" }).click();
      const dlg = p.getByRole("dialog", { name: "New backup schedule" });
      await expect
        .poll(() => dlg.getByLabel("Frequency").locator("option").allTextContents(), { timeout: 15_000 })
        .toEqual(expected);
      await dlg.getByRole("button", { name: "Cancel" }).click();
    };
    await expectOptions(page, ["Hourly", "Daily", "Weekly", "Monthly"]);

    const slug = `trial${Date.now().toString(36)}`;
    const email = `owner@${slug}.example`;
    const password = "correct-horse-battery";
    const signup = await bs.stack.request("POST", "/api/signup", {
      body: { slug, companyName: "Trial Co", plan: "trial", adminEmail: email, adminPassword: password },
    });
    expect(signup.status).toBe(201);
    const trialPage = await bs.newPage();
    await loginTenant(bs, trialPage, { id: signup.body.tenant.id, slug, host: "", token: "", email, password });
    await expectOptions(trialPage, ["Daily", "Weekly", "Monthly"]);
    await trialPage.getByText("Hourly backups are not included in the Trial plan.").waitFor();
    await trialPage.context().close();
  });

  it("walks the custom-domain wizard up to the TXT record to publish", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings", exact: true }).click();
    const wizard = page.getByRole("region", { name: "Custom domain" });
    await wizard.getByLabel("Domain").fill("not a domain");
    await wizard.getByRole("button", { name: "Add domain" }).click();
    await wizard.getByText("Enter a domain like panel.example.com.").waitFor();
    const domain = `panel-${tenant.slug}.example.net`;
    await wizard.getByLabel("Domain").fill(domain);
    await wizard.getByRole("button", { name: "Add domain" }).click();
    const txt = wizard.getByTestId("txt-value");
    await txt.waitFor();
    const state = await bs.stack.request("GET", "/api/settings/domain", { host: tenant.host, token: tenant.token });
    expect(state.body.status).toBe("pending");
    expect((await txt.textContent())?.trim()).toBe(state.body.dns.txt.value);
    expect(await wizard.textContent()).toContain(state.body.dns.txt.name);
    expect(await wizard.getByText("pending", { exact: true }).count()).toBe(1);
    await screenshot(page, "settings-domain");
  });

  it("shows the tenant's traffic chart on the dashboard, and what to do while there is none", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Dashboard", exact: true }).click();
    await page.getByText("Traffic per day, last 30 days").waitFor();
    await page.getByText("No traffic yet: it appears once your NAS devices send accounting").waitFor();
    const [row] = await bs.stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, tenant.id));
    const { db, t } = bs.stack.runtime.deps.tenantClients.get(row?.schemaName ?? "");
    const [nas] = await db
      .insert(t.nasDevices)
      .values({ name: "Chart edge", ipAddress: "192.0.2.1", secretEnc: "x" })
      .returning();
    const [sub] = await db.insert(t.subscribers).values({ username: "chart.user", passwordEnc: "x" }).returning();
    if (!nas || !sub) throw new Error("fixture not inserted");
    await db.insert(t.radacct).values({
      acctSessionId: "chart-sess",
      acctUniqueId: `${tenant.slug}-chart-sess`,
      username: "chart.user",
      subscriberId: sub.id,
      nasId: nas.id,
      nasIpAddress: "192.0.2.1",
      startTime: new Date(),
      inputOctets: 5_000_000,
      outputOctets: 50_000_000,
    });
    // The chart sums the RADIUS daemon's traffic roll-ups: the same octets, as its batch writes them.
    const now = Date.now();
    const traffic = { subscriberId: sub.id, nasId: nas.id, bytesIn: 5_000_000, bytesOut: 50_000_000 };
    await db.insert(t.traffic5m).values({ ...traffic, bucket: new Date(now - (now % 300_000)) });
    await db.insert(t.traffic1h).values({ ...traffic, bucket: new Date(now - (now % 3_600_000)) });
    const usage = await bs.stack.request("GET", "/api/sessions/usage?days=30", {
      host: tenant.host,
      token: tenant.token,
    });
    const today: string = usage.body.usage.at(-1).day;
    await page.reload();
    const chart = page.getByRole("img", { name: "Traffic per day, last 30 days" });
    await chart.waitFor();
    // Today's bars carry the figures (formatBytes: 50,000,000 B is 48 MiB, 5,000,000 B is 4.8 MiB).
    const titles = await chart.locator("title").allTextContents();
    expect(titles).toContain(`${today} Download: 48 MiB`);
    expect(titles).toContain(`${today} Upload: 4.8 MiB`);
    await page.getByText("1 sessions started; days in").waitFor();
  });

  it("disconnects an online session through its NAS and shows the server's message when the NAS is silent", async () => {
    // Nothing listens on the discard port, so the API's Disconnect-Request goes unanswered.
    const nas = await bs.stack.request("POST", "/api/nas", {
      host: tenant.host,
      token: tenant.token,
      body: { name: "Silent edge", ipAddress: "127.0.0.1", identifier: tenant.slug, coaPort: 9 },
    });
    expect(nas.status).toBe(201);
    const [row] = await bs.stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, tenant.id));
    const { db, t } = bs.stack.runtime.deps.tenantClients.get(row?.schemaName ?? "");
    await db.insert(t.radacct).values({
      acctSessionId: "browser-sess",
      acctUniqueId: `${tenant.slug}-browser-sess`,
      username: "online.user",
      nasId: nas.body.nas.id,
      nasIpAddress: "127.0.0.1",
      startTime: new Date(),
    });
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "Online sessions", exact: true }).click();
    await page.getByRole("button", { name: "Disconnect online.user" }).click();
    const dlg = page.getByRole("dialog", { name: "Disconnect session" });
    await dlg.getByRole("button", { name: "Disconnect" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor({ timeout: 20_000 });
    expect(await alert.textContent()).toContain("The NAS at 127.0.0.1:9 did not answer the disconnect request");
  });

  it("gives a NAS a WireGuard tunnel from the WireGuard page, with its config as a QR code", async () => {
    const nas = await bs.stack.request("POST", "/api/nas", {
      host: tenant.host,
      token: tenant.token,
      body: { name: "Tunnel edge", ipAddress: "192.0.2.77", identifier: `${tenant.slug}-wg` },
    });
    expect(nas.status).toBe(201);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "WireGuard", exact: true }).click();
    await page.getByRole("heading", { name: "WireGuard", exact: true }).waitFor();
    await page.getByLabel("NAS without a tunnel").selectOption({ label: "Tunnel edge (192.0.2.77)" });
    await page.getByRole("button", { name: "Create peer" }).click();
    const peer = page.locator("tbody tr", { hasText: "Tunnel edge" });
    await peer.waitFor();
    expect(await page.getByTestId("wg-subnet").textContent()).toMatch(/^\d+\.\d+\.\d+\.0\/24$/);
    await peer.getByRole("button", { name: "QR code of Tunnel edge" }).click();
    const qr = page.getByRole("img", { name: "QR code of the WireGuard configuration of Tunnel edge" });
    await qr.waitFor();
    expect(await qr.getAttribute("src")).toMatch(/^data:image\/png;base64,/);
    await screenshot(page, "wireguard-1280");
  });
});
