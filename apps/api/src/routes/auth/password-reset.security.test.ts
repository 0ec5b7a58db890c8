import { mailOutbox, tenants } from "@proxpanel/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, superAdminSession } from "../../../../../tests/harness.ts";
import { startSmtp } from "../../services/mail-test-smtp.ts";
import { tenantPublicUrl } from "../../services/public-url.ts";
import { mailedResetToken } from "./password-reset-test-support.ts";

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

describe("password reset isolation and abuse", () => {
  it("a token from one tenant does nothing on another tenant's host", async () => {
    const a = await signupTenant(stack);
    const b = await signupTenant(stack);
    await stack.request("POST", "/api/auth/password/forgot", { host: a.host, body: { email: a.email } });
    const token = await mailedResetToken(stack, smtp, a.email);
    const cross = await stack.request("POST", "/api/auth/password/reset", {
      host: b.host,
      body: { token, password: "hijacked-password-1" },
    });
    expectError(cross, 400, "reset_token_invalid");
    // Still unused on its own tenant.
    const own = await stack.request("POST", "/api/auth/password/reset", {
      host: a.host,
      body: { token, password: "legit-new-password" },
    });
    expect(own.status).toBe(204);
  });

  it("mails the link on the tenant's own address, its verified custom domain, never on the Host it was asked on", async () => {
    const a = await signupTenant(stack);
    const domain = `panel-${a.slug}.example`;
    const db = stack.runtime.deps.db;
    const mailedLink = async (host: string) => {
      await stack.request("POST", "/api/auth/password/forgot", { host, body: { email: a.email } });
      const token = await mailedResetToken(stack, smtp, a.email);
      const mail = smtp.inbox.filter((m) => m.text.includes(token)).at(-1);
      return /(\S+)\/reset-password\?token=/.exec(mail?.text ?? "")?.[1];
    };
    // Not verified yet: the subdomain.
    await db.update(tenants).set({ customDomain: domain }).where(eq(tenants.id, a.id));
    expect(await mailedLink(a.host)).toBe(`http://${a.host}`);
    await db.update(tenants).set({ customDomainVerifiedAt: new Date() }).where(eq(tenants.id, a.id));
    await stack.runtime.deps.resolver.invalidate({ tenantId: a.id, hosts: [domain] });
    // Verified: the custom domain, whichever of the tenant's hosts the request came on.
    expect(await mailedLink(a.host)).toBe(`http://${domain}`);
    expect(await mailedLink(domain)).toBe(`http://${domain}`);
    // Production: https, and a port only when it is not the scheme's own.
    const deps = stack.runtime.deps;
    const prod = { ...deps.config, NODE_ENV: "production" as const };
    expect(await tenantPublicUrl({ ...deps, config: prod }, a)).toBe(`https://${domain}`);
    expect(await tenantPublicUrl({ ...deps, config: { ...prod, PUBLIC_PORT: 8443 } }, a)).toBe(
      `https://${domain}:8443`,
    );
    expect(await tenantPublicUrl({ ...deps, config: { ...prod, PUBLIC_PORT: 443 } }, a)).toBe(`https://${domain}`);
  });

  it("two concurrent uses of one token: exactly one wins", async () => {
    const t = await signupTenant(stack);
    await stack.request("POST", "/api/auth/password/forgot", { host: t.host, body: { email: t.email } });
    const token = await mailedResetToken(stack, smtp, t.email);
    const results = await Promise.all(
      ["first-new-password", "second-new-password", "third-new-password"].map((password) =>
        stack.request("POST", "/api/auth/password/reset", { host: t.host, body: { token, password } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([204, 400, 400]);
  });

  it("throttles requests for one address, known or not, with the same answer", async () => {
    const t = await signupTenant(stack);
    for (const email of [t.email, `ghost@${t.slug}.example`]) {
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) {
        statuses.push(
          (await stack.request("POST", "/api/auth/password/forgot", { host: t.host, body: { email } })).status,
        );
      }
      expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    }
    const limited = await stack.request("POST", "/api/auth/password/forgot", {
      host: t.host,
      body: { email: t.email },
    });
    expectError(limited, 429, "rate_limited");
    expect(limited.headers["retry-after"]).toBeDefined();
  });

  it("operators never see a usable reset link in the outbox, queued or sent", async () => {
    const t = await signupTenant(stack);
    const op = await superAdminSession(stack);
    await stack.request("POST", "/api/auth/password/forgot", { host: t.host, body: { email: t.email } });
    const list = async () =>
      (await stack.request("GET", `/api/saas/mail-outbox?kind=password_reset&tenantId=${t.id}`, { token: op.token }))
        .body.items as { id: string; status: string; body: string }[];
    const queued = await list();
    expect(queued.map((m) => m.status)).toEqual(["queued"]);
    expect(queued[0]?.body).not.toContain("token=");
    const retry = await stack.request("POST", `/api/saas/mail-outbox/${queued[0]?.id}/retry`, { token: op.token });
    expectError(retry, 409, "conflict");

    const token = await mailedResetToken(stack, smtp, t.email);
    const [stored] = await stack.runtime.deps.db
      .select()
      .from(mailOutbox)
      .where(eq(mailOutbox.id, queued[0]?.id ?? ""));
    expect(stored?.status).toBe("sent");
    expect(stored?.body).not.toContain(token);
    expect((await list())[0]?.body).not.toContain(token);
  });

  it("is not served on the apex", async () => {
    const res = await stack.request("POST", "/api/auth/password/forgot", { body: { email: "a@b.example" } });
    expectError(res, 404, "not_found");
  });

  it("refuses short passwords and malformed tokens before touching anything", async () => {
    const t = await signupTenant(stack);
    const short = await stack.request("POST", "/api/auth/password/reset", {
      host: t.host,
      body: { token: "x".repeat(43), password: "short" },
    });
    expectError(short, 400, "validation_error");
    const guess = await stack.request("POST", "/api/auth/password/reset", {
      host: t.host,
      body: { token: "A".repeat(43), password: "long-enough-password" },
    });
    expectError(guess, 400, "reset_token_invalid");
  });
});
