/**
 * The Vouchers page's settings form (password mode, hotspot login address) saves what the API
 * stores and shows it again after a reload; staff can sell a batch to a reseller; a reseller buys
 * a batch and sees its balance fall by count × price in the tenant's currency, then deletes unused
 * vouchers and sees it rise again, Delete offered on every voucher never used (disabled ones
 * included) and on no used one, and batch Delete only on a batch none of whose vouchers was ever
 * used (a used one disabled since counts), its used count shown with the others; the generate
 * dialog's code characters (preset or custom) are the ones the codes use; a user who may only look
 * sees none of the controls.
 */
import { tenants } from "@proxpanel/db";
import { eq, inArray } from "drizzle-orm";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant, type TestTenant, uniqueSlug } from "../harness.ts";
import { type BrowserStack, loginTenant, screenshot, startBrowserStack } from "./harness.ts";

let bs: BrowserStack;
let tenant: TestTenant;
const api = async (method: string, path: string, body?: unknown, token = tenant.token) => {
  const res = await bs.stack.request(method, path, { host: tenant.host, token, body });
  if (res.status >= 400) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
};
const nav = (page: Page, label: string) =>
  page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: label, exact: true });
const batchRow = (page: Page, name: string) =>
  page
    .locator("table", { has: page.locator("caption", { hasText: "Voucher batches" }) })
    .locator("tbody tr", { hasText: name });

const voucherCodes = (page: Page) =>
  page.locator("table", { has: page.locator("caption", { hasText: /^Vouchers$/ }) }).locator("tbody code");

let shop = { id: "", email: "", password: "shop-password-1" };

beforeAll(async () => {
  bs = await startBrowserStack();
  tenant = await signupTenant(bs.stack);
  await api("PUT", "/api/settings/currency", { currency: "EUR" });
  shop = { ...shop, email: `shop-${uniqueSlug()}@vouchers.example` };
  shop.id = (
    await api("POST", "/api/resellers", { name: "North Shop", email: shop.email, password: shop.password })
  ).reseller.id;
  await api("POST", `/api/resellers/${shop.id}/topup`, { amountCents: 5_000 });
});
afterAll(() => bs?.close());

describe("voucher settings and reseller batches in Chromium", { timeout: 180_000 }, () => {
  it("saves the password mode and login address, refuses a non-http address beside its field, and shows them after a reload", async () => {
    const page = await bs.newPage();
    await loginTenant(bs, page, tenant);
    await nav(page, "Vouchers").click();
    const form = page.getByRole("region", { name: "Voucher settings" });
    const mode = form.getByLabel("Password at the hotspot");
    const url = form.getByLabel("Hotspot login address");
    await expect.poll(() => mode.inputValue(), { timeout: 10_000 }).toBe("code");
    await mode.selectOption("empty");
    await url.fill("ftp://wifi.example/login");
    await form.getByRole("button", { name: "Save voucher settings" }).click();
    await expect.poll(() => url.getAttribute("aria-invalid"), { timeout: 10_000 }).toBe("true");
    // Refused in the browser: nothing stored.
    expect((await api("GET", "/api/vouchers/settings")).settings).toEqual({ passwordMode: "code", loginUrl: null });
    await url.fill("http://wifi.example/login");
    await form.getByRole("button", { name: "Save voucher settings" }).click();
    await expect
      .poll(async () => (await api("GET", "/api/vouchers/settings")).settings, { timeout: 10_000 })
      .toEqual({ passwordMode: "empty", loginUrl: "http://wifi.example/login" });

    await page.reload();
    await expect.poll(() => mode.inputValue(), { timeout: 10_000 }).toBe("empty");
    expect(await url.inputValue()).toBe("http://wifi.example/login");
    await screenshot(page, "voucher-settings-1280");
    // And back: the code as password, no address.
    await mode.selectOption("code");
    await url.fill("");
    await form.getByRole("button", { name: "Save voucher settings" }).click();
    await expect
      .poll(async () => (await api("GET", "/api/vouchers/settings")).settings, { timeout: 10_000 })
      .toEqual({ passwordMode: "code", loginUrl: null });
  });

  it("lets staff sell a batch to a reseller, charged count × price from its balance", async () => {
    const page = await bs.newPage();
    await loginTenant(bs, page, tenant);
    await nav(page, "Vouchers").click();
    await page.getByRole("button", { name: "Generate vouchers" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Batch name").fill("Shop stock");
    await dialog.getByLabel("Number of vouchers").fill("3");
    await dialog.getByLabel("Time online (hours)").fill("1");
    await dialog.getByLabel("Price per voucher").fill("2");
    await dialog.getByLabel("Sell to reseller").selectOption({ label: "North Shop (balance €50.00)" });
    expect(await dialog.getByTestId("batch-charge").textContent()).toBe("3 × €2.00 = €6.00 from North Shop's balance.");
    await dialog.getByRole("button", { name: "Generate", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    await batchRow(page, "Shop stock").waitFor();
    expect(await batchRow(page, "Shop stock").textContent()).toContain("North Shop");
    expect((await api("GET", `/api/resellers/${shop.id}`)).reseller.balanceCents).toBe(4_400);
  });

  it("lets a reseller buy a batch: its shown balance falls by count × price, and too large a batch is refused", async () => {
    const page = await bs.newPage();
    await loginTenant(bs, page, { ...tenant, email: shop.email, password: shop.password });
    await nav(page, "Vouchers").click();
    const balance = page.getByTestId("voucher-balance");
    await expect.poll(() => balance.textContent(), { timeout: 10_000 }).toBe("€44.00");
    // Only its own batches, and no operator controls.
    await batchRow(page, "Shop stock").waitFor();
    expect(await page.getByRole("region", { name: "Voucher settings" }).count()).toBe(0);

    await page.getByRole("button", { name: "Generate vouchers" }).click();
    const dialog = page.getByRole("dialog");
    expect(await dialog.getByLabel("Sell to reseller").count()).toBe(0);
    await dialog.getByLabel("Batch name").fill("Weekend");
    await dialog.getByLabel("Number of vouchers").fill("4");
    await dialog.getByLabel("Data (GB)").fill("1");
    await dialog.getByLabel("Price per voucher").fill("1.50");
    expect(await dialog.getByTestId("batch-charge").textContent()).toBe(
      "4 × €1.50 = €6.00 from your balance (balance €44.00).",
    );
    await dialog.getByRole("button", { name: "Generate", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    await batchRow(page, "Weekend").waitFor();
    await expect.poll(() => balance.textContent(), { timeout: 10_000 }).toBe("€38.00");
    expect((await api("GET", `/api/resellers/${shop.id}`)).reseller.balanceCents).toBe(3_800);

    // 40 × €1.00 is more than €38.00: refused in the dialog, nothing charged.
    await page.getByRole("button", { name: "Generate vouchers" }).click();
    await dialog.getByLabel("Batch name").fill("Too many");
    await dialog.getByLabel("Number of vouchers").fill("40");
    await dialog.getByLabel("Data (GB)").fill("1");
    await dialog.getByLabel("Price per voucher").fill("1");
    await dialog.getByRole("button", { name: "Generate", exact: true }).click();
    await expect
      .poll(() => dialog.getByRole("alert").textContent(), { timeout: 10_000 })
      .toBe("The reseller's balance does not cover this charge.");
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await page.reload();
    await expect.poll(() => balance.textContent(), { timeout: 10_000 }).toBe("€38.00");
    await screenshot(page, "vouchers-reseller-1280");
  });

  it("lets a reseller delete its unused vouchers, one and then a batch, its shown balance going back up", async () => {
    const page = await bs.newPage();
    await loginTenant(bs, page, { ...tenant, email: shop.email, password: shop.password });
    await nav(page, "Vouchers").click();
    const balance = page.getByTestId("voucher-balance");
    await expect.poll(() => balance.textContent(), { timeout: 10_000 }).toBe("€38.00");
    await page.getByRole("button", { name: "Generate vouchers" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Batch name").fill("Return me");
    await dialog.getByLabel("Number of vouchers").fill("2");
    await dialog.getByLabel("Time online (hours)").fill("1");
    await dialog.getByLabel("Price per voucher").fill("3");
    await dialog.getByLabel("Code characters").selectOption({ label: "Digits only (0–9)" });
    await dialog.getByRole("button", { name: "Generate", exact: true }).click();
    await dialog.waitFor({ state: "detached" });
    await expect.poll(() => balance.textContent(), { timeout: 10_000 }).toBe("€32.00");

    await batchRow(page, "Return me").getByRole("button", { name: "Show vouchers of Return me" }).click();
    await page.getByRole("heading", { name: "Vouchers of Return me" }).waitFor();
    const codes = voucherCodes(page);
    await expect.poll(() => codes.allTextContents(), { timeout: 10_000 }).toHaveLength(2);
    const [first] = await codes.allTextContents();
    for (const c of await codes.allTextContents()) expect(c).toMatch(/^[0-9]{10}$/);

    // One voucher: its price back.
    await page.getByRole("button", { name: `Delete ${first}`, exact: true }).click();
    const confirm = page.getByRole("dialog", { name: "Delete voucher" });
    expect(await confirm.textContent()).toContain("€3.00 goes back to your balance.");
    await confirm.getByRole("button", { name: "Delete", exact: true }).click();
    await expect.poll(() => balance.textContent(), { timeout: 10_000 }).toBe("€35.00");
    await expect.poll(() => codes.allTextContents(), { timeout: 10_000 }).toHaveLength(1);

    // The rest of the batch.
    await batchRow(page, "Return me").getByRole("button", { name: "Delete Return me" }).click();
    const confirmBatch = page.getByRole("dialog", { name: "Delete batch" });
    expect(await confirmBatch.textContent()).toContain("€3.00 goes back to your balance.");
    await confirmBatch.getByRole("button", { name: "Delete", exact: true }).click();
    await expect.poll(() => balance.textContent(), { timeout: 10_000 }).toBe("€38.00");
    await expect.poll(() => batchRow(page, "Return me").count(), { timeout: 10_000 }).toBe(0);
    expect((await api("GET", `/api/resellers/${shop.id}`)).reseller.balanceCents).toBe(3_800);
    await screenshot(page, "vouchers-reseller-deleted-1280");
  });

  it("offers Delete on every voucher never used, disabled ones included, and on no used one, as the API allows", async () => {
    // Staff sells 4 × €1.00 to the shop: one stays unused, one is disabled before any use, one is
    // used, and one is used and then disabled.
    const batch = (
      await api("POST", "/api/vouchers/batches", {
        name: "Withdrawn",
        count: 4,
        timeLimitS: 3600,
        priceCents: 100,
        resellerId: shop.id,
      })
    ).batch;
    const ids = (await api("GET", `/api/vouchers?batchId=${batch.id}`)).items.map((v: { id: string }) => v.id);
    const [unused, disabled, used, usedDisabled] = ids as string[];
    const [row] = await bs.stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, tenant.id));
    const { db, t } = bs.stack.runtime.deps.tenantClients.get(row?.schemaName ?? "");
    await db
      .update(t.vouchers)
      .set({ firstUsedAt: new Date(), status: "active" })
      .where(inArray(t.vouchers.id, [used ?? "", usedDisabled ?? ""]));
    for (const id of [disabled, usedDisabled]) await api("PATCH", `/api/vouchers/${id}`, { disabled: true });
    const codeOf = new Map<string, string>(
      (await api("GET", `/api/vouchers?batchId=${batch.id}`)).items.map((v: { id: string; code: string }) => [
        v.id,
        v.code,
      ]),
    );
    const code = (id: string | undefined) => codeOf.get(id ?? "") ?? "";
    const deleteButtons = async (page: Page) => {
      const shown: Record<string, number> = {};
      for (const [name, id] of Object.entries({ unused, disabled, used, usedDisabled })) {
        shown[name] = await page.getByRole("button", { name: `Delete ${code(id)}`, exact: true }).count();
      }
      return shown;
    };
    const expected = { unused: 1, disabled: 1, used: 0, usedDisabled: 0 };

    // Staff sees the same rule as the shop.
    const staff = await bs.newPage();
    await loginTenant(bs, staff, tenant);
    await nav(staff, "Vouchers").click();
    await batchRow(staff, "Withdrawn").getByRole("button", { name: "Show vouchers of Withdrawn" }).click();
    await staff.getByRole("heading", { name: "Vouchers of Withdrawn" }).waitFor();
    await expect.poll(() => voucherCodes(staff).allTextContents(), { timeout: 10_000 }).toHaveLength(4);
    expect(await deleteButtons(staff)).toEqual(expected);

    const page = await bs.newPage();
    await loginTenant(bs, page, { ...tenant, email: shop.email, password: shop.password });
    await nav(page, "Vouchers").click();
    const balance = page.getByTestId("voucher-balance");
    await expect.poll(() => balance.textContent(), { timeout: 10_000 }).toBe("€34.00");
    await batchRow(page, "Withdrawn").getByRole("button", { name: "Show vouchers of Withdrawn" }).click();
    await page.getByRole("heading", { name: "Vouchers of Withdrawn" }).waitFor();
    await expect.poll(() => voucherCodes(page).allTextContents(), { timeout: 10_000 }).toHaveLength(4);
    expect(await deleteButtons(page)).toEqual(expected);

    // The disabled one never used: its price back, once.
    await page.getByRole("button", { name: `Delete ${code(disabled)}`, exact: true }).click();
    const confirm = page.getByRole("dialog", { name: "Delete voucher" });
    expect(await confirm.textContent()).toContain("€1.00 goes back to your balance.");
    await confirm.getByRole("button", { name: "Delete", exact: true }).click();
    await expect.poll(() => balance.textContent(), { timeout: 10_000 }).toBe("€35.00");
    await expect.poll(() => voucherCodes(page).allTextContents(), { timeout: 10_000 }).toHaveLength(3);
    expect((await api("GET", `/api/resellers/${shop.id}`)).reseller.balanceCents).toBe(3_500);
    await screenshot(page, "vouchers-reseller-disabled-deleted-1280");
  });

  it("offers batch Delete only on a batch none of whose vouchers was used, a used one disabled since included", async () => {
    // "Handed back": one voucher never used, one used and then disabled. "Lost cards": both disabled
    // before any use. A used voucher disabled since is in no count but "disabled", as a never-used
    // one is: only the used count tells the API's 409 from its 204.
    const handed = (await api("POST", "/api/vouchers/batches", { name: "Handed back", count: 2, timeLimitS: 3600 }))
      .batch;
    const lost = (await api("POST", "/api/vouchers/batches", { name: "Lost cards", count: 2, timeLimitS: 3600 })).batch;
    const [usedId] = (await api("GET", `/api/vouchers?batchId=${handed.id}`)).items.map((v: { id: string }) => v.id);
    const [row] = await bs.stack.runtime.deps.db.select().from(tenants).where(eq(tenants.id, tenant.id));
    const { db, t } = bs.stack.runtime.deps.tenantClients.get(row?.schemaName ?? "");
    await db
      .update(t.vouchers)
      .set({ firstUsedAt: new Date(), status: "active" })
      .where(eq(t.vouchers.id, usedId ?? ""));
    await api("PATCH", `/api/vouchers/${usedId}`, { disabled: true });
    await api("POST", `/api/vouchers/batches/${lost.id}/disable`);

    const page = await bs.newPage();
    await loginTenant(bs, page, tenant);
    await nav(page, "Vouchers").click();
    await batchRow(page, "Handed back").waitFor();
    await batchRow(page, "Lost cards").waitFor();
    expect(await batchRow(page, "Handed back").textContent()).toContain(
      "2 · 1 unused · 0 active · 0 spent · 1 ever used",
    );
    expect(await batchRow(page, "Lost cards").textContent()).toContain(
      "2 · 0 unused · 0 active · 0 spent · 0 ever used",
    );
    expect(await batchRow(page, "Handed back").getByRole("button", { name: "Delete Handed back" }).count()).toBe(0);
    // Disable is still offered: it is what the API says to do instead.
    expect(await batchRow(page, "Handed back").getByRole("button", { name: "Disable" }).count()).toBe(1);
    await batchRow(page, "Lost cards").getByRole("button", { name: "Delete Lost cards" }).click();
    await page
      .getByRole("dialog", { name: "Delete batch" })
      .getByRole("button", { name: "Delete", exact: true })
      .click();
    await expect.poll(() => batchRow(page, "Lost cards").count(), { timeout: 10_000 }).toBe(0);
    expect((await api("GET", "/api/vouchers/batches?search=lost")).items).toEqual([]);
    await screenshot(page, "vouchers-batch-delete-used-1280");
  });

  it("draws codes from the characters picked in the generate dialog, refusing a bad or too small set", async () => {
    const page = await bs.newPage();
    await loginTenant(bs, page, tenant);
    await nav(page, "Vouchers").click();
    await page.getByRole("button", { name: "Generate vouchers" }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel("Batch name").fill("Own letters");
    await dialog.getByLabel("Number of vouchers").fill("6");
    await dialog.getByLabel("Valid from first use (days)").fill("1");
    await dialog.getByLabel("Code characters").selectOption("custom");
    const custom = dialog.getByLabel("Custom characters");
    const generate = dialog.getByRole("button", { name: "Generate", exact: true });
    // The message beside a field, once it is marked invalid.
    const errorOf = (label: string) => async () => {
      const field = dialog.getByLabel(label);
      if ((await field.getAttribute("aria-invalid")) !== "true") return "";
      return dialog.locator(`[id="${await field.getAttribute("aria-describedby")}"]`).textContent();
    };
    await custom.fill("AB-C");
    await generate.click();
    await expect.poll(errorOf("Custom characters"), { timeout: 10_000 }).toContain("letters and digits");
    await custom.fill("XYZx");
    await generate.click();
    await expect.poll(errorOf("Custom characters"), { timeout: 10_000 }).toContain('"X" appears twice');
    // Six characters need 13 of them for 32 bits.
    await custom.fill("XYZ789");
    await generate.click();
    await expect.poll(errorOf("Code length"), { timeout: 10_000 }).toContain("at least 13");
    expect(await errorOf("Custom characters")()).toBe("");
    await dialog.getByLabel("Code length").fill("13");
    await generate.click();
    await dialog.waitFor({ state: "detached" });
    expect((await api("GET", "/api/vouchers/batches?search=own")).items[0]).toMatchObject({
      alphabet: "XYZ789",
      codeLength: 13,
    });
    await batchRow(page, "Own letters").getByRole("button", { name: "Show vouchers of Own letters" }).click();
    await page.getByRole("heading", { name: "Vouchers of Own letters" }).waitFor();
    const codes = voucherCodes(page);
    await expect.poll(() => codes.allTextContents(), { timeout: 10_000 }).toHaveLength(6);
    for (const c of await codes.allTextContents()) expect(c).toMatch(/^[XYZ789]{13}$/);
  });

  it("shows a user with vouchers.view alone the vouchers but no control", async () => {
    const group = await api("POST", "/api/permission-groups", {
      name: "Voucher viewer",
      permissions: ["vouchers.view"],
    });
    const email = `viewer-${uniqueSlug()}@vouchers.example`;
    await api("POST", "/api/users", { email, password: "viewer-password-1", permissionGroupId: group.group.id });
    const page = await bs.newPage();
    await loginTenant(bs, page, { ...tenant, email, password: "viewer-password-1" });
    await nav(page, "Vouchers").click();
    await batchRow(page, "Weekend").waitFor();
    expect(await page.getByRole("button", { name: "Generate vouchers" }).isVisible()).toBe(false);
    expect(await page.getByRole("region", { name: "Voucher settings" }).count()).toBe(0);
    expect(await batchRow(page, "Weekend").getByRole("button", { name: "Delete" }).count()).toBe(0);
    expect(await page.getByTestId("voucher-balance").count()).toBe(0);
  });
});
