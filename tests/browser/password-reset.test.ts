import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mailedResetToken } from "../../apps/api/src/routes/auth/password-reset-test-support.ts";
import { portalFixture } from "../../apps/api/src/routes/portal/portal-test-support.ts";
import { startSmtp } from "../../apps/api/src/services/mail-test-smtp.ts";
import { signupTenant, superAdminSession } from "../harness.ts";
import { type BrowserStack, loginTenant, screenshot, startBrowserStack } from "./harness.ts";

let bs: BrowserStack;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
beforeAll(async () => {
  smtp = await startSmtp();
  bs = await startBrowserStack({ SMTP_URL: smtp.url });
});
afterAll(async () => {
  await bs?.close();
  await smtp?.close();
});

describe("account recovery in the tenant panel (Chromium)", () => {
  it("asks for a link from the sign-in page, sets a new password from the mail, and refuses the link twice", async () => {
    const tenant = await signupTenant(bs.stack);
    const page = await bs.newPage();
    await page.goto(`${bs.tenantUrl(tenant.slug)}/`);
    await page.getByRole("link", { name: "Forgot password?" }).click();
    await page.getByRole("heading", { name: "Forgot your password?" }).waitFor();
    await page.getByLabel("E-mail").fill(tenant.email);
    await page.getByRole("button", { name: "Mail me a link" }).click();
    await page.getByTestId("reset-sent").waitFor();

    const token = await mailedResetToken(bs.stack, smtp, tenant.email);
    const link = `${bs.tenantUrl(tenant.slug)}/reset-password?token=${token}`;
    await page.goto(link);
    await page.getByRole("heading", { name: "Set a new password" }).waitFor();
    await page.getByLabel("New password", { exact: true }).fill("a-new-password-99");
    await page.getByLabel("New password again").fill("a-new-password-98");
    await page.getByRole("button", { name: "Set password" }).click();
    await page.getByText("The two passwords differ.").waitFor();
    await page.getByLabel("New password again").fill("a-new-password-99");
    await page.getByRole("button", { name: "Set password" }).click();
    await page.getByTestId("reset-done").waitFor();
    await screenshot(page, "reset-done");

    await page.getByRole("link", { name: "Sign in" }).click();
    await loginTenant(bs, page, { ...tenant, password: "a-new-password-99" });
    await page.getByRole("heading", { name: "Dashboard" }).waitFor();

    // The same link again: it says so, and offers a new one.
    const again = await bs.newPage();
    await again.goto(link);
    await again.getByLabel("New password", { exact: true }).fill("another-password-1");
    await again.getByLabel("New password again").fill("another-password-1");
    await again.getByRole("button", { name: "Set password" }).click();
    await again.getByTestId("reset-invalid").waitFor();
    expect(await again.getByRole("link", { name: "Ask for a new link" }).getAttribute("href")).toBe("/forgot-password");
  });

  it("lets an operator recover the console account the same way, under /console", async () => {
    const op = await superAdminSession(bs.stack);
    const page = await bs.newPage();
    await page.goto(`${bs.apexUrl()}/console`);
    await page.getByRole("link", { name: "Forgot password?" }).click();
    await page.getByRole("heading", { name: "Forgot your password?" }).waitFor();
    await page.getByLabel("E-mail").fill(op.email);
    await page.getByRole("button", { name: "Mail me a link" }).click();
    await page.getByTestId("reset-sent").waitFor();
    const token = await mailedResetToken(bs.stack, smtp, op.email);
    await page.goto(`${bs.apexUrl()}/console/reset-password?token=${token}`);
    await page.getByLabel("New password", { exact: true }).fill("operator-new-pw-1");
    await page.getByLabel("New password again").fill("operator-new-pw-1");
    await page.getByRole("button", { name: "Set password" }).click();
    await page.getByTestId("reset-done").waitFor();
    await page.getByRole("link", { name: "Sign in" }).click();
    await page.getByLabel("E-mail").fill(op.email);
    await page.getByLabel("Password").fill("operator-new-pw-1");
    await page.getByRole("button", { name: "Sign in" }).click();
    // Signed in: the console asks to enrol TOTP on a first sign-in without it.
    await page.getByRole("img", { name: "QR code of the authenticator secret" }).waitFor();
  });

  it("lets a subscriber reset the portal (and PPPoE) password from the portal's sign-in page", async () => {
    const tenant = await signupTenant(bs.stack);
    await portalFixture(bs.stack, tenant, "lostpw");
    const page = await bs.newPage({ width: 390, height: 844 });
    await page.goto(`${bs.tenantUrl(tenant.slug)}/portal`);
    await page.getByRole("link", { name: "Forgot password?" }).click();
    await page.getByRole("heading", { name: "Forgot your password?" }).waitFor();
    await page.getByLabel("E-mail").fill("lostpw@example.net");
    await page.getByRole("button", { name: "Mail me a link" }).click();
    await page.getByTestId("reset-sent").waitFor();
    const token = await mailedResetToken(bs.stack, smtp, "lostpw@example.net");
    await page.goto(`${bs.tenantUrl(tenant.slug)}/portal/reset-password?token=${token}`);
    await page.getByLabel("New password", { exact: true }).fill("pppoe-9");
    await page.getByLabel("New password again").fill("pppoe-9");
    await page.getByRole("button", { name: "Set password" }).click();
    await page.getByTestId("reset-done").waitFor();
    await page.getByRole("link", { name: "Sign in" }).click();
    await page.getByLabel("Username").fill("lostpw");
    await page.getByLabel("Password").fill("pppoe-9");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("portal-plan").waitFor();
  });
});
