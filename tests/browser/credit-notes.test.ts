import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant, type TestTenant } from "../harness.ts";
import { type BrowserStack, loginTenant, screenshot, startBrowserStack } from "./harness.ts";

let bs: BrowserStack;
let tenant: TestTenant;
let page: Page;

beforeAll(async () => {
  bs = await startBrowserStack();
  tenant = await signupTenant(bs.stack);
  page = await bs.newPage();
});
afterAll(async () => {
  await bs?.close();
});

const api = (method: string, path: string, body?: unknown) =>
  bs.stack.request(method, path, { host: tenant.host, token: tenant.token, body });

describe("credit notes in the panel", { timeout: 90_000 }, () => {
  it("lists an invoice's credit notes, issues one and offers its PDF, amounts in the tenant's currency", async () => {
    expect((await api("PUT", "/api/settings/currency", { currency: "EUR" })).status).toBe(200);
    const plan = (await api("POST", "/api/plans", { name: "Credit plan", downloadKbps: 1, uploadKbps: 1 })).body.plan
      .id;
    const sub = (await api("POST", "/api/subscribers", { username: "credited", password: "pass1234", planId: plan }))
      .body.subscriber.id;
    const invoice = (await api("POST", "/api/invoices", { subscriberId: sub, amountCents: 3_000, description: "July" }))
      .body.invoice;
    // One issued through the API already: the dialog lists it.
    expect(
      (await api("POST", `/api/invoices/${invoice.id}/credit-notes`, { amountCents: 250, reason: "Outage 1 day" }))
        .status,
    ).toBe(201);

    await loginTenant(bs, page, tenant);
    await page.goto(`${bs.tenantUrl(tenant.slug)}/billing`);
    await page.getByRole("button", { name: `Credit notes of invoice ${invoice.number}` }).click();
    const dlg = page.getByRole("dialog");
    await dlg.getByText("Invoice total €30.00; credited €2.50.").waitFor();
    const first = dlg.getByRole("table", { name: "Credit notes" }).locator("tbody tr").first();
    expect(await first.textContent()).toContain("€2.50");
    expect(await first.textContent()).toContain("Outage 1 day");

    // The form refuses more than can still be credited, with the amount in euros.
    await dlg.getByLabel("Amount").fill("40");
    await dlg.getByLabel("Reason").fill("Too much");
    await dlg.getByRole("button", { name: "Issue credit note" }).click();
    await dlg.getByText("An amount like 5.00, at most €27.50.").waitFor();

    await dlg.getByLabel("Amount").fill("5.00");
    await dlg.getByLabel("Reason").fill("Slow week");
    await dlg.getByRole("button", { name: "Issue credit note" }).click();
    await dlg.getByText("Invoice total €30.00; credited €7.50.").waitFor();
    const second = dlg.getByRole("table", { name: "Credit notes" }).locator("tbody tr", { hasText: "Slow week" });
    await second.waitFor();
    expect(await second.textContent()).toContain("€5.00");
    await screenshot(page, "credit-notes-1280");

    // Its PDF downloads from the row.
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      second.getByRole("button", { name: /Download credit note \d+ as PDF/ }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^credit-note-\d+\.pdf$/);
    const bytes = await (await download.createReadStream()).toArray();
    expect(Buffer.concat(bytes).subarray(0, 5).toString()).toBe("%PDF-");

    const after = await api("GET", `/api/invoices/${invoice.id}`);
    expect(after.body.invoice).toMatchObject({ creditedCents: 750, status: "unpaid" });
  });

  it("serves a credit note's PDF only for its own invoice and tenant", async () => {
    const other = await signupTenant(bs.stack);
    const plan = (await api("POST", "/api/plans", { name: "P2", downloadKbps: 1, uploadKbps: 1 })).body.plan.id;
    const sub = (await api("POST", "/api/subscribers", { username: "credited2", password: "pass1234", planId: plan }))
      .body.subscriber.id;
    const a = (await api("POST", "/api/invoices", { subscriberId: sub, amountCents: 1_000, description: "A" })).body
      .invoice.id;
    const b = (await api("POST", "/api/invoices", { subscriberId: sub, amountCents: 1_000, description: "B" })).body
      .invoice.id;
    const note = (await api("POST", `/api/invoices/${a}/credit-notes`, { amountCents: 100, reason: "x" })).body
      .creditNote;
    const pdf = await api("GET", `/api/invoices/${a}/credit-notes/${note.id}/pdf`);
    expect(pdf.status).toBe(200);
    expect((await api("GET", `/api/invoices/${b}/credit-notes/${note.id}/pdf`)).status).toBe(404);
    expect((await api("GET", `/api/invoices/${a}/credit-notes/${crypto.randomUUID()}/pdf`)).status).toBe(404);
    const foreign = await bs.stack.request("GET", `/api/invoices/${a}/credit-notes/${note.id}/pdf`, {
      host: other.host,
      token: other.token,
    });
    expect(foreign.status).toBe(404);
  });
});
