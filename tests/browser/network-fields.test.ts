/**
 * The network fields added with Simultaneous-Use and IPv6 are in the panel's forms: IPv4 pool
 * gateway, IPv6 pools, a plan's IPv6 pools and session limit, a subscriber's override and static
 * prefixes. Each is filled, saved, read back after a reload, and the server's refusal of a prefix
 * with host bits shows beside its field.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signupTenant, type TestTenant } from "../harness.ts";
import { type BrowserStack, loginTenant, screenshot, startBrowserStack } from "./harness.ts";

const nav = (page: Page, label: string) =>
  page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: label, exact: true });
const row = (page: Page, text: string) => page.locator("tbody tr", { hasText: text });

let bs: BrowserStack;
beforeAll(async () => {
  bs = await startBrowserStack();
});
afterAll(async () => {
  await bs?.close();
});

describe("network fields in Chromium", { timeout: 120_000 }, () => {
  let tenant: TestTenant;
  let page: Page;
  const get = async (path: string) =>
    (await bs.stack.request("GET", path, { host: tenant.host, token: tenant.token })).body;

  beforeAll(async () => {
    tenant = await signupTenant(bs.stack);
    page = await bs.newPage();
    await loginTenant(bs, page, tenant);
  });

  it("sets an IPv4 pool's gateway and creates and deletes IPv6 pools", async () => {
    await nav(page, "IP pools").click();
    await page.getByRole("button", { name: "New pool" }).click();
    let dlg = page.getByRole("dialog");
    await dlg.getByLabel("Name").fill("Town v4");
    await dlg.getByLabel("Network (CIDR)").fill("10.50.0.0/24");
    // Outside the network: the server's message lands beside the gateway field.
    await dlg.getByLabel("Gateway").fill("10.60.0.1");
    await dlg.getByRole("button", { name: "Create pool" }).click();
    await expect.poll(() => dlg.getByLabel("Gateway").getAttribute("aria-invalid"), { timeout: 10_000 }).toBe("true");
    expect(await dlg.locator(".field", { has: page.getByLabel("Gateway") }).textContent()).toContain("10.50.0.0/24");
    await dlg.getByLabel("Gateway").fill("10.50.0.254");
    await dlg.getByRole("button", { name: "Create pool" }).click();
    await row(page, "Town v4").waitFor();
    expect(await row(page, "Town v4").textContent()).toContain("10.50.0.254");

    // Edit: the gateway emptied means none is kept back.
    await page.getByRole("button", { name: "Edit Town v4" }).click();
    dlg = page.getByRole("dialog");
    expect(await dlg.getByLabel("Gateway").inputValue()).toBe("10.50.0.254");
    await dlg.getByLabel("Gateway").fill("");
    await dlg.getByRole("button", { name: "Save" }).click();
    await dlg.waitFor({ state: "detached" });
    const v4 = await get("/api/ip-pools?search=Town");
    expect(v4.items[0]).toMatchObject({ name: "Town v4", gateway: null });
    await page.reload();
    expect(await row(page, "Town v4").textContent()).toContain("none");

    const v6 = page.getByRole("region", { name: "IPv6 pools" });
    for (const [name, prefix, len] of [
      ["Town v6", "2001:db8:100::/48", "64"],
      ["Town PD", "2001:db8:200::/40", "56"],
      ["Spare v6", "2001:db8:300::/48", "64"],
    ] as const) {
      await v6.getByRole("button", { name: "New IPv6 pool" }).click();
      dlg = page.getByRole("dialog");
      await dlg.getByLabel("Name").fill(name);
      await dlg.getByLabel("Prefix").fill(prefix);
      await dlg.getByLabel("Assign length").fill(len);
      await dlg.getByRole("button", { name: "Create IPv6 pool" }).click();
      await row(page, name).waitFor();
    }
    expect(await row(page, "Town PD").textContent()).toContain("/56");
    // Renamed; the prefix is fixed once created.
    await v6.getByRole("button", { name: "Edit Spare v6" }).click();
    dlg = page.getByRole("dialog");
    expect(await dlg.getByLabel("Prefix").isDisabled()).toBe(true);
    await dlg.getByLabel("Name").fill("Old v6");
    await dlg.getByRole("button", { name: "Save" }).click();
    await row(page, "Old v6").waitFor();
    await v6.getByRole("button", { name: "Delete Old v6" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Delete" }).click();
    await row(page, "Old v6").waitFor({ state: "detached" });
    const pools = await get("/api/ipv6-pools");
    expect(pools.items.map((p: { name: string }) => p.name).sort()).toEqual(["Town PD", "Town v6"]);
    await screenshot(page, "ip-pools-ipv6-1280");
  });

  it("saves a plan's Simultaneous-Use, its action and IPv6 pools, and shows them after a reload", async () => {
    await nav(page, "Plans").click();
    await page.getByRole("button", { name: "New plan" }).click();
    let dlg = page.getByRole("dialog");
    await dlg.getByLabel("Name").fill("Dual stack");
    await dlg.getByLabel("Sessions at once (empty = unlimited)").fill("0");
    await dlg.getByRole("button", { name: "Create plan" }).click();
    await dlg.getByText("Simultaneous-Use must be between 1 and 1000.").waitFor();
    await dlg.getByLabel("Sessions at once (empty = unlimited)").fill("2");
    await dlg.getByLabel("When over the limit").selectOption("disconnect_oldest");
    await dlg.getByLabel("IPv6 pool", { exact: true }).selectOption({ label: "Town v6 (2001:db8:100::/48)" });
    await dlg.getByLabel("Delegated IPv6 pool").selectOption({ label: "Town PD (2001:db8:200::/40)" });
    await dlg.getByRole("button", { name: "Create plan" }).click();
    await row(page, "Dual stack").waitFor();
    const plans = await get("/api/plans?search=Dual");
    const v6 = (await get("/api/ipv6-pools")).items as { id: string; name: string }[];
    const id = (name: string) => v6.find((p) => p.name === name)?.id;
    expect(plans.items[0]).toMatchObject({
      simultaneousUse: 2,
      simultaneousUseAction: "disconnect_oldest",
      ipv6PoolId: id("Town v6"),
      delegatedIpv6PoolId: id("Town PD"),
    });

    await page.reload();
    await page.getByRole("button", { name: "Edit Dual stack" }).click();
    dlg = page.getByRole("dialog");
    await expect
      .poll(() => dlg.getByLabel("IPv6 pool", { exact: true }).inputValue(), { timeout: 10_000 })
      .toBe(id("Town v6"));
    expect(await dlg.getByLabel("Delegated IPv6 pool").inputValue()).toBe(id("Town PD"));
    expect(await dlg.getByLabel("Sessions at once (empty = unlimited)").inputValue()).toBe("2");
    expect(await dlg.getByLabel("When over the limit").inputValue()).toBe("disconnect_oldest");
    // Emptied: unlimited again.
    await dlg.getByLabel("Sessions at once (empty = unlimited)").fill("");
    await dlg.getByRole("button", { name: "Save" }).click();
    await dlg.waitFor({ state: "detached" });
    expect((await get("/api/plans?search=Dual")).items[0].simultaneousUse).toBeNull();
  });

  it("saves a subscriber's Simultaneous-Use and static prefixes, with the server's refusal beside the prefix", async () => {
    await nav(page, "Subscribers").click();
    await page.getByRole("button", { name: "New subscriber" }).click();
    let dlg = page.getByRole("dialog");
    await dlg.getByLabel("Username").fill("v6.home");
    await dlg.getByLabel("Password").fill("pppoe-secret");
    await dlg.getByLabel("Plan").selectOption({ label: "Dual stack" });
    await dlg.getByLabel("Sessions at once (empty = no override)").fill("3");
    // The right shape, but host bits set: only the server can say so, and it says it beside the field.
    await dlg.getByLabel("Static prefix (IPv6)").fill("2001:db8:900:5::1/64");
    await dlg.getByLabel("Delegated prefix (IPv6)").fill("2001:db8:a00:100::/56");
    await dlg.getByRole("button", { name: "Create subscriber" }).click();
    const field = dlg.locator(".field", { has: page.getByLabel("Static prefix (IPv6)") });
    await expect.poll(() => field.locator(".field-error").textContent(), { timeout: 10_000 }).toContain("host bits");
    expect(await dlg.getByLabel("Static prefix (IPv6)").getAttribute("aria-invalid")).toBe("true");
    expect(await dlg.getByLabel("Delegated prefix (IPv6)").getAttribute("aria-invalid")).toBeNull();
    await screenshot(page, "subscriber-ipv6-error-1280");
    // Inside the "Town v6" pool, which RADIUS hands out dynamically: refused beside the field too.
    await dlg.getByLabel("Static prefix (IPv6)").fill("2001:db8:100:5::/64");
    await dlg.getByRole("button", { name: "Create subscriber" }).click();
    await expect.poll(() => field.locator(".field-error").textContent(), { timeout: 10_000 }).toContain("Town v6");
    await dlg.getByLabel("Static prefix (IPv6)").fill("2001:DB8:900:5::/64");
    await dlg.getByRole("button", { name: "Create subscriber" }).click();
    await row(page, "v6.home").waitFor();

    const list = await get("/api/subscribers?search=v6.home");
    const sub = (await get(`/api/subscribers/${list.items[0].id}`)).subscriber;
    expect(sub).toMatchObject({
      simultaneousUse: 3,
      staticIpv6Prefix: "2001:db8:900:5::/64",
      delegatedIpv6Prefix: "2001:db8:a00:100::/56",
    });

    await page.reload();
    await row(page, "v6.home").getByText("More").click();
    await row(page, "v6.home").getByRole("button", { name: "Edit v6.home" }).click();
    dlg = page.getByRole("dialog");
    await expect
      .poll(() => dlg.getByLabel("Static prefix (IPv6)").inputValue(), { timeout: 10_000 })
      .toBe("2001:db8:900:5::/64");
    expect(await dlg.getByLabel("Delegated prefix (IPv6)").inputValue()).toBe("2001:db8:a00:100::/56");
    expect(await dlg.getByLabel("Sessions at once (empty = no override)").inputValue()).toBe("3");
    await dlg.getByLabel("Sessions at once (empty = no override)").fill("");
    await dlg.getByLabel("Delegated prefix (IPv6)").fill("");
    await dlg.getByRole("button", { name: "Save" }).click();
    await dlg.waitFor({ state: "detached" });
    expect((await get(`/api/subscribers/${sub.id}`)).subscriber).toMatchObject({
      simultaneousUse: null,
      staticIpv6Prefix: "2001:db8:900:5::/64",
      delegatedIpv6Prefix: null,
    });
  });
});
