import { mailOutbox, passwordResetTokens } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack } from "../../../../../tests/harness.ts";
import { startSmtp } from "../../services/mail-test-smtp.ts";
import { hashResetToken } from "./password-reset-service.ts";
import { mailedResetToken } from "./password-reset-test-support.ts";

let stack: Stack;
let smtp: Awaited<ReturnType<typeof startSmtp>>;
beforeAll(async () => {
  smtp = await startSmtp();
  stack = await startStack({ SMTP_URL: smtp.url, PASSWORD_RESET_TTL_MIN: "15" });
});
afterAll(async () => {
  await stack.close();
  await smtp.close();
});

describe("password reset", () => {
  it("mails a link whose token sets a new password once and signs out every session", async () => {
    const t = await signupTenant(stack);
    const asked = await stack.request("POST", "/api/auth/password/forgot", { host: t.host, body: { email: t.email } });
    expect(asked.status).toBe(202);
    const token = await mailedResetToken(stack, smtp, t.email);
    const mail = smtp.inbox.filter((m) => m.to.includes(t.email) && m.text.includes(token))[0];
    expect(mail?.text).toContain(`http://${t.host}/reset-password?token=${token}`);
    expect(mail?.text).toContain("expires in 15 minutes");

    // Stored only as a digest, expiring as configured.
    const [row] = await stack.runtime.deps.db
      .select()
      .from(passwordResetTokens)
      .where(eq(passwordResetTokens.tokenHash, hashResetToken(token)));
    expect(row?.tenantId).toBe(t.id);
    const ttl = (row?.expiresAt.getTime() ?? 0) - (row?.createdAt.getTime() ?? 0);
    expect(Math.round(ttl / 60_000)).toBe(15);

    const newPassword = "a-brand-new-password";
    const reset = await stack.request("POST", "/api/auth/password/reset", {
      host: t.host,
      body: { token, password: newPassword },
    });
    expect(reset.status).toBe(204);
    // Session version bumped: the token from before the reset no longer works.
    expect((await stack.request("GET", "/api/auth/me", { host: t.host, token: t.token })).status).toBe(401);
    const oldLogin = await stack.request("POST", "/api/auth/login", {
      host: t.host,
      body: { email: t.email, password: t.password },
    });
    expect(oldLogin.status).toBe(401);
    const login = await stack.request("POST", "/api/auth/login", {
      host: t.host,
      body: { email: t.email, password: newPassword },
    });
    expect(login.status).toBe(200);

    const reuse = await stack.request("POST", "/api/auth/password/reset", {
      host: t.host,
      body: { token, password: "yet-another-password" },
    });
    expectError(reuse, 400, "reset_token_invalid");
    const audit = await stack.request("GET", "/api/audit-logs?limit=100", { host: t.host, token: login.body.token });
    expect(JSON.stringify(audit.body)).toContain("auth.password_reset");
  });

  it("answers an unknown address exactly like a known one, and mails nothing", async () => {
    const t = await signupTenant(stack);
    const known = await stack.request("POST", "/api/auth/password/forgot", { host: t.host, body: { email: t.email } });
    const unknown = await stack.request("POST", "/api/auth/password/forgot", {
      host: t.host,
      body: { email: `nobody@${t.slug}.example` },
    });
    expect({ status: unknown.status, body: unknown.body }).toEqual({ status: known.status, body: known.body });
    const queued = await stack.runtime.deps.db
      .select()
      .from(mailOutbox)
      .where(eq(mailOutbox.to, `nobody@${t.slug}.example`));
    expect(queued).toHaveLength(0);
  });

  it("only the newest link works, and an expired one does not", async () => {
    const t = await signupTenant(stack);
    await stack.request("POST", "/api/auth/password/forgot", { host: t.host, body: { email: t.email } });
    const first = await mailedResetToken(stack, smtp, t.email);
    await stack.request("POST", "/api/auth/password/forgot", { host: t.host, body: { email: t.email } });
    const second = await mailedResetToken(stack, smtp, t.email);
    expect(second).not.toBe(first);
    const stale = await stack.request("POST", "/api/auth/password/reset", {
      host: t.host,
      body: { token: first, password: "another-long-password" },
    });
    expectError(stale, 400, "reset_token_invalid");

    await stack.runtime.deps.db
      .update(passwordResetTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(passwordResetTokens.tokenHash, hashResetToken(second)));
    const expired = await stack.request("POST", "/api/auth/password/reset", {
      host: t.host,
      body: { token: second, password: "another-long-password" },
    });
    expectError(expired, 400, "reset_token_invalid");
  });
});
