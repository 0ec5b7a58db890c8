import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { startSmtp } from "../../services/mail-test-smtp.ts";
import { mailedResetToken } from "../auth/password-reset-test-support.ts";
import { type PortalFixture, portalFixture, portalSignIn } from "./portal-test-support.ts";

let stack: Stack;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
let a: TestTenant;
let fx: PortalFixture;

beforeAll(async () => {
  smtp = await startSmtp();
  stack = await startStack({ SMTP_URL: smtp.url });
  a = await signupTenant(stack);
  fx = await portalFixture(stack, a, "forgetful");
});
afterAll(async () => {
  await stack.close();
  await smtp.close();
});

const forgot = (email: string, t: TestTenant = a) =>
  stack.request("POST", "/api/portal/auth/password/forgot", { host: t.host, body: { email } });
const reset = (token: string, password: string, t: TestTenant = a) =>
  stack.request("POST", "/api/portal/auth/password/reset", { host: t.host, body: { token, password } });

describe("subscriber password reset", () => {
  it("mails a portal link naming the account; the token sets the password (PPPoE too) once and ends sessions", async () => {
    const old = await portalSignIn(stack, a, "forgetful", fx.password);
    const asked = await forgot("FORGETFUL@example.net");
    expect(asked.status).toBe(202);
    expect((await forgot("nobody@example.net")).body).toEqual(asked.body);
    const token = await mailedResetToken(stack, smtp, "forgetful@example.net");
    const mail = smtp.inbox.find((m) => m.text.includes(token));
    expect(mail?.text).toContain(`http://${a.host}/portal/reset-password?token=${token}`);
    expect(mail?.text).toContain("Account: forgetful");

    expectError(await reset(token, "abc"), 400, "validation_error");
    expect((await reset(token, "new-pppoe-pw")).status).toBe(204);
    expectError(await reset(token, "another-pw"), 400, "reset_token_invalid");
    expectError(await stack.request("GET", "/api/portal/me", { host: a.host, token: old }), 401, "unauthorized");
    expect(await portalSignIn(stack, a, "forgetful", "new-pppoe-pw")).toBeTruthy();
    const revealed = await stack.request("POST", `/api/subscribers/${fx.subscriberId}/reveal-password`, {
      host: a.host,
      token: a.token,
    });
    expect(revealed.body.password).toBe("new-pppoe-pw");
    const audit = await stack.request("GET", "/api/audit-logs?action=portal.password_reset", {
      host: a.host,
      token: a.token,
    });
    expect(audit.body.items[0]).toMatchObject({ actorSubscriberId: fx.subscriberId });
  });

  it("a staff reset token is not a subscriber's, and the reverse; another tenant's host refuses both", async () => {
    await stack.request("POST", "/api/auth/password/forgot", { host: a.host, body: { email: a.email } });
    const staffToken = await mailedResetToken(stack, smtp, a.email);
    expectError(await reset(staffToken, "whatever-1"), 400, "reset_token_invalid");
    // The staff token was not spent by that attempt: it still resets the staff password.
    const staff = await stack.request("POST", "/api/auth/password/reset", {
      host: a.host,
      body: { token: staffToken, password: "staff-password-new-1" },
    });
    expect(staff.status).toBe(204);

    await forgot("forgetful@example.net");
    const subToken = await mailedResetToken(stack, smtp, "forgetful@example.net");
    const b = await signupTenant(stack);
    expectError(await reset(subToken, "whatever-2", b), 400, "reset_token_invalid");
    expectError(
      await stack.request("POST", "/api/auth/password/reset", {
        host: a.host,
        body: { token: subToken, password: "x".repeat(12) },
      }),
      400,
      "reset_token_invalid",
    );
    expect((await reset(subToken, "finally-ok")).status).toBe(204);
  });
});
