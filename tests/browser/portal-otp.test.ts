import { type FakeSmsGateway, fakeSmsGateway } from "@proxpanel/notify/testing/fake-sms-gateway";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { codeSentTo, otpOn, setPhone } from "../../apps/api/src/routes/portal/portal-otp-support.ts";
import { portalFixture } from "../../apps/api/src/routes/portal/portal-test-support.ts";
import { signupTenant, type TestTenant } from "../harness.ts";
import { type BrowserStack, loginTenant, screenshot, startBrowserStack } from "./harness.ts";

let bs: BrowserStack;
let gw: FakeSmsGateway;
let tenant: TestTenant;
let fx: Awaited<ReturnType<typeof portalFixture>>;
const PHONE = "+254711000042";

beforeAll(async () => {
  gw = await fakeSmsGateway();
  bs = await startBrowserStack({ SMS_GATEWAY_ALLOW_PRIVATE: "true" });
  tenant = await signupTenant(bs.stack);
  fx = await portalFixture(bs.stack, tenant, "otieno");
  await setPhone(await otpOn(bs.stack, tenant, gw), fx.subscriberId, PHONE);
});
afterAll(async () => {
  await bs?.close();
  await gw?.close();
});

describe("portal sign-in with a phone code (Chromium, 390 px)", () => {
  it("asks for the code sent by SMS after the password, refuses a wrong one, and signs in with the right one", async () => {
    const page = await bs.newPage({ width: 390, height: 844 });
    await page.goto(`${bs.tenantUrl(tenant.slug)}/portal`);
    await page.getByLabel("Username").fill("otieno");
    await page.getByLabel("Password").fill(fx.password);
    await page.getByRole("button", { name: "Sign in" }).click();

    await page.getByLabel("Code from SMS").waitFor();
    expect(await page.getByTestId("otp-sent").textContent()).toContain("ending ••• 42");
    const code = await codeSentTo(bs.stack, tenant, gw, PHONE);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, "0");
    await page.getByLabel("Code from SMS").fill("12");
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByText("Enter the 6 digits from the SMS.").waitFor();
    await page.getByLabel("Code from SMS").fill(wrong);
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByText("Wrong or expired code.").waitFor();
    await screenshot(page, "portal-otp-390");
    await page.getByLabel("Code from SMS").fill(code);
    await page.getByRole("button", { name: "Verify" }).click();
    await page.getByTestId("portal-plan").waitFor();
  });

  it("lets the operator turn the phone code off and on in Settings", async () => {
    const page = await bs.newPage();
    await loginTenant(bs, page, tenant);
    await page.goto(`${bs.tenantUrl(tenant.slug)}/settings`);
    const box = page.getByLabel("Ask for a one-time code sent by SMS", { exact: false });
    await box.waitFor();
    expect(await box.isChecked()).toBe(true);
    await box.uncheck();
    await page.getByText("Portal settings saved").waitFor();
    const get = () => bs.stack.request("GET", "/api/settings/portal", { host: tenant.host, token: tenant.token });
    expect((await get()).body.portal.phoneOtp).toBe("off");
    await page.reload();
    await box.waitFor();
    expect(await box.isChecked()).toBe(false);
    await box.check();
    await expect.poll(async () => (await get()).body.portal.phoneOtp, { timeout: 5000 }).toBe("on");
  });
});
