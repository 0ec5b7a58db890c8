import { type FakeMpesa, startFakeMpesa } from "@proxpanel/payments/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { portalFixture } from "../../apps/api/src/routes/portal/portal-test-support.ts";
import { signupTenant, type TestTenant } from "../harness.ts";
import { type BrowserStack, loginTenant, screenshot, startBrowserStack } from "./harness.ts";

let bs: BrowserStack;
let mpesa: FakeMpesa;
let tenant: TestTenant;
let fx: Awaited<ReturnType<typeof portalFixture>>;

// Intl puts a no-break space between a currency code and the amount.
const text = async (l: { textContent(): Promise<string | null> }) => (await l.textContent())?.replace(/\s/g, " ");

const op = (method: string, path: string, body?: unknown) =>
  bs.stack.request(method, path, { host: tenant.host, token: tenant.token, ...(body === undefined ? {} : { body }) });

beforeAll(async () => {
  bs = await startBrowserStack({ PAYMENTS_ALLOW_LOOPBACK: "true" });
  mpesa = await startFakeMpesa();
  tenant = await signupTenant(bs.stack);
  fx = await portalFixture(bs.stack, tenant, "wanjiku");
  expect((await op("PUT", "/api/settings/currency", { currency: "KES" })).status).toBe(200);
  expect((await op("PATCH", "/api/settings/timezone", { timezone: "Africa/Nairobi" })).status).toBe(200);
  expect((await op("PUT", "/api/settings/payment-providers/mpesa", { config: mpesa.config() })).status).toBe(200);
  // 21:30 UTC on 31 January is 00:30 on 1 February in Nairobi (UTC+3).
  await op("PATCH", `/api/subscribers/${fx.subscriberId}`, {
    expiresAt: "2027-01-31T21:30:00.000Z",
    phone: "0712345678",
  });
  await op("POST", "/api/invoices", {
    subscriberId: fx.subscriberId,
    amountCents: 70000,
    description: "Router install",
  });
});
afterAll(async () => {
  await bs?.close();
  await mpesa?.close();
});

describe("subscriber self-care portal (Chromium, 390 px)", () => {
  it("signs in, shows money in the tenant's currency and dates in its timezone, and pays an invoice with M-Pesa", async () => {
    const page = await bs.newPage({ width: 390, height: 844 });
    await page.goto(`${bs.tenantUrl(tenant.slug)}/portal`);
    await page.getByRole("heading", { name: `Company ${tenant.slug}` }).waitFor();
    await page.getByLabel("Username").fill("wanjiku");
    await page.getByLabel("Password").fill("wrong-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("Wrong username or password").waitFor();
    await page.getByLabel("Password").fill(fx.password);
    await page.getByRole("button", { name: "Sign in" }).click();

    await page.getByTestId("portal-plan").waitFor();
    expect(await text(page.getByTestId("plan-price"))).toBe("KES 15.00");
    expect(await text(page.getByTestId("portal-expiry"))).toBe("2027-02-01 00:30");
    expect(await text(page.getByTestId("portal-balance"))).toBe("KES 0.00");
    expect(await text(page.getByTestId("portal-due"))).toContain("KES 700.00");
    expect(await page.evaluate<number>("document.documentElement.scrollWidth - window.innerWidth")).toBeLessThanOrEqual(
      0,
    );
    await screenshot(page, "portal-home-390");

    await page.getByRole("link", { name: "Pay now" }).click();
    await page.getByRole("heading", { name: "Invoices & payments" }).waitFor();
    expect(await text(page.getByTestId("invoice-amount").first())).toBe("KES 700.00");
    await page.getByRole("button", { name: "Pay", exact: true }).click();
    await page.getByLabel("M-Pesa phone number").fill("0712 345 678");
    await page.getByRole("button", { name: "Pay KES 700.00" }).click();
    await page.getByTestId("payment-waiting").waitFor();

    // The subscriber confirms on the phone; Safaricom calls back.
    const push = [...mpesa.stkRequests.values()].at(-1);
    expect(push).toMatchObject({ amount: 700, phone: "254712345678" });
    const cb = await mpesa.completeStk(push?.checkoutRequestId ?? "", { resultCode: 0, deliver: false });
    const res = await bs.stack.request("POST", new URL(push?.callbackUrl ?? "").pathname, {
      host: tenant.host,
      body: cb.rawBody,
    });
    expect(res.body).toEqual({ ResultCode: 0, ResultDesc: "Accepted" });
    await page.getByTestId("payment-outcome").getByText("Payment received").waitFor();
    await page.getByTestId("payment-outcome").getByRole("button", { name: "Close" }).click();
    await page.getByText("paid", { exact: true }).first().waitFor();
    await screenshot(page, "portal-invoices-390");
  });

  it("walks every portal page without hanging, and changes the contact details", async () => {
    const page = await bs.newPage({ width: 390, height: 844 });
    await page.goto(`${bs.tenantUrl(tenant.slug)}/portal`);
    await page.getByLabel("Username").fill("wanjiku");
    await page.getByLabel("Password").fill(fx.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("portal-plan").waitFor();
    for (const [link, heading] of [
      ["Usage & sessions", "Usage & sessions"],
      ["Plans", "Plans"],
      ["Profile & password", "Profile & password"],
    ] as const) {
      await page.getByRole("button", { name: "Menu" }).click();
      await page.getByRole("link", { name: link }).click();
      await page.getByRole("heading", { name: heading, exact: true }).waitFor();
      expect(await page.getByText("Loading…").count()).toBe(0);
    }
    await page.getByLabel("Address").fill("Kenyatta Ave 1, Nairobi");
    await page.getByRole("button", { name: "Save", exact: true }).click();
    await page.getByText("Contact details saved.").waitFor();
    const sub = await op("GET", `/api/subscribers/${fx.subscriberId}`);
    expect(sub.body.subscriber.address).toBe("Kenyatta Ave 1, Nairobi");
  });

  it("shows the operator the portal switches and the provider without its secrets", async () => {
    const page = await bs.newPage();
    await loginTenant(bs, page, tenant);
    await page.goto(`${bs.tenantUrl(tenant.slug)}/settings`);
    await page.getByRole("heading", { name: "Subscriber portal" }).waitFor();
    const mpesaInfo = await text(page.getByTestId("provider-mpesa"));
    expect(mpesaInfo).toContain(mpesa.shortcode);
    expect(await page.content()).not.toContain(mpesa.passkey);
    await page.getByLabel("Subscribers may switch plans").check();
    await page.getByText("Portal settings saved").waitFor();
    expect((await op("GET", "/api/settings/portal")).body.portal.allowPlanChange).toBe(true);
  });
});
