import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, superAdminSession } from "../../../../../tests/harness.ts";
import { startSmtp } from "../../services/mail-test-smtp.ts";
import { mailedResetToken } from "../auth/password-reset-test-support.ts";

let stack: Stack;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
beforeAll(async () => {
  smtp = await startSmtp();
  stack = await startStack({ SMTP_URL: smtp.url });
});
afterAll(async () => {
  await stack.close();
  await smtp.close();
});

describe("console password reset", () => {
  it("mails an operator a link to /console/reset-password that sets a new password once and ends old sessions", async () => {
    const op = await superAdminSession(stack);
    const asked = await stack.request("POST", "/api/saas/auth/password/forgot", { body: { email: op.email } });
    expect(asked.status).toBe(202);
    // An unknown address gets the same answer and no mail.
    const unknown = await stack.request("POST", "/api/saas/auth/password/forgot", {
      body: { email: "nobody@ops.example" },
    });
    expect(unknown.body).toEqual(asked.body);
    const token = await mailedResetToken(stack, smtp, op.email);
    const mail = smtp.inbox.filter((m) => m.to.includes(op.email)).at(-1);
    expect(mail?.text).toContain(`/console/reset-password?token=${token}`);

    // Not spendable on a tenant host.
    const t = await signupTenant(stack);
    const onTenant = await stack.request("POST", "/api/auth/password/reset", {
      host: t.host,
      body: { token, password: "tenant-side-pw-1" },
    });
    expectError(onTenant, 400, "reset_token_invalid");

    const reset = await stack.request("POST", "/api/saas/auth/password/reset", {
      body: { token, password: "a-new-operator-pw" },
    });
    expect(reset.status).toBe(204);
    expect((await stack.request("GET", "/api/saas/tenants", { token: op.token })).status).toBe(401);
    const login = await stack.request("POST", "/api/saas/auth/login", {
      body: { email: op.email, password: "a-new-operator-pw" },
    });
    expect(login.status).toBe(200);
    const again = await stack.request("POST", "/api/saas/auth/password/reset", {
      body: { token, password: "yet-another-pw-1" },
    });
    expectError(again, 400, "reset_token_invalid");
  });

  it("never lets a tenant's reset token set an operator's password", async () => {
    const t = await signupTenant(stack);
    await stack.request("POST", "/api/auth/password/forgot", { host: t.host, body: { email: t.email } });
    const tenantToken = await mailedResetToken(stack, smtp, t.email);
    const res = await stack.request("POST", "/api/saas/auth/password/reset", {
      body: { token: tenantToken, password: "stolen-password-1" },
    });
    expectError(res, 400, "reset_token_invalid");
    // …and the tenant's token still works where it belongs.
    const own = await stack.request("POST", "/api/auth/password/reset", {
      host: t.host,
      body: { token: tenantToken, password: "tenant-new-pw-1" },
    });
    expect(own.status).toBe(204);
  });
});
