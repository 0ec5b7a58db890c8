import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { type PortalFixture, portalFixture, portalSignIn } from "./portal-test-support.ts";

let stack: Stack;
let a: TestTenant;
let fx: PortalFixture;

const op = (method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: a.host, token: a.token, ...(body === undefined ? {} : { body }) });
const as = (token: string) => (method: string, path: string, body?: unknown) =>
  stack.request(method, path, { host: a.host, token, ...(body === undefined ? {} : { body }) });

beforeAll(async () => {
  stack = await startStack();
  a = await signupTenant(stack);
  fx = await portalFixture(stack, a);
});
afterAll(() => stack.close());

describe("subscriber self-care portal", () => {
  it("signs in with the RADIUS username (any case) and password, and shows plan, usage, money and switches", async () => {
    const token = await portalSignIn(stack, a, "ALICE", fx.password);
    const me = await as(token)("GET", "/api/portal/me");
    expect(me.status).toBe(200);
    expect(me.body.subscriber).toMatchObject({ id: fx.subscriberId, username: "alice", status: "active" });
    expect(me.body.subscriber.passwordEnc).toBeUndefined();
    expect(me.body.subscriber.notes).toBeUndefined();
    expect(me.body.plan).toMatchObject({ id: fx.planId, priceCents: 1500, quotaBytes: 10 * 1024 ** 3 });
    expect(me.body.usage).toMatchObject({ usedBytes: 0, quotaBytes: 10 * 1024 ** 3 });
    expect(me.body.currency).toBe("USD");
    expect(me.body.timezone).toBe("UTC");
    expect(me.body.settings).toMatchObject({ enabled: true, allowRenew: true, allowPlanChange: false });
    const usage = await as(token)("GET", "/api/portal/usage?days=7");
    expect(usage.body.usage).toHaveLength(7);
    const sessions = await as(token)("GET", "/api/portal/sessions");
    expect(sessions.body).toEqual({ open: [], recent: [] });
    // Every portal sign-in is in the tenant's audit log with the subscriber as the actor.
    const audit = await op("GET", "/api/audit-logs?action=portal.login");
    expect(audit.status).toBe(200);
    const entry = audit.body.items.find((e: { action: string }) => e.action === "portal.login");
    expect(entry).toMatchObject({ actor: "subscriber:alice", actorSubscriberId: fx.subscriberId, actorUserId: null });
  });

  it("refuses a wrong password with one message, then throttles the account", async () => {
    const wrong = await stack.request("POST", "/api/portal/auth/login", {
      host: a.host,
      body: { username: "alice", password: "nope" },
    });
    expectError(wrong, 401, "unauthorized");
    const unknown = await stack.request("POST", "/api/portal/auth/login", {
      host: a.host,
      body: { username: "nobody", password: "nope" },
    });
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
    expectError(
      await stack.request("POST", "/api/portal/auth/login", { host: a.host, body: { username: "" } }),
      400,
      "validation_error",
    );
    let last = wrong;
    for (let i = 0; i < 12 && last.status !== 429; i++) {
      last = await stack.request("POST", "/api/portal/auth/login", {
        host: a.host,
        body: { username: "throttled", password: `nope${i}` },
      });
    }
    expectError(last, 429, "rate_limited");
    expect(Number(last.headers["retry-after"])).toBeGreaterThan(0);
  });

  it("shows only the subscriber's own invoices, and renews from the balance when it covers the price", async () => {
    const other = await op("POST", "/api/subscribers", { username: "bob", password: "bob-1234", planId: fx.planId });
    await op("POST", "/api/invoices", {
      subscriberId: other.body.subscriber.id,
      amountCents: 999,
      description: "bob's",
    });
    const mine = await op("POST", "/api/invoices", {
      subscriberId: fx.subscriberId,
      amountCents: 700,
      description: "install",
    });
    expect(mine.status).toBe(201);
    const token = await portalSignIn(stack, a, "alice", fx.password);
    const invoices = await as(token)("GET", "/api/portal/invoices");
    expect(invoices.body.items.map((i: { description: string }) => i.description)).toEqual(["install"]);
    expect(invoices.body.currency).toBe("USD");
    expect((await as(token)("GET", "/api/portal/me")).body.openInvoices).toEqual({ count: 1, amountCents: 700 });

    expectError(await as(token)("POST", "/api/portal/renew"), 409, "insufficient_balance");
    await op("POST", "/api/transactions/payments", {
      subscriberId: fx.subscriberId,
      amountCents: 2000,
      description: "cash",
    });
    const renewed = await as(token)("POST", "/api/portal/renew");
    expect(renewed.status).toBe(200);
    expect(renewed.body.invoice).toMatchObject({ amountCents: 1500, status: "paid" });
    expect(new Date(renewed.body.subscriber.expiresAt).getTime()).toBeGreaterThan(Date.now() + 29 * 86_400_000);
    expect((await as(token)("GET", "/api/portal/me")).body.subscriber.balanceCents).toBe(500);
    const audit = await op("GET", `/api/audit-logs?entityId=${fx.subscriberId}`);
    expect(audit.body.items.find((e: { action: string }) => e.action === "subscriber.renew")).toMatchObject({
      actorSubscriberId: fx.subscriberId,
    });
  });

  it("updates contact details, but not the operator's fields", async () => {
    const token = await portalSignIn(stack, a, "alice", fx.password);
    const res = await as(token)("PATCH", "/api/portal/profile", { phone: "+254700000001", address: "1 Main St" });
    expect(res.status).toBe(200);
    expect(res.body.subscriber).toMatchObject({ phone: "+254700000001", address: "1 Main St" });
    expectError(await as(token)("PATCH", "/api/portal/profile", { notes: "vip" }), 400, "validation_error");
    expectError(await as(token)("PATCH", "/api/portal/profile", { planId: fx.planId }), 400, "validation_error");
    expectError(await as(token)("PATCH", "/api/portal/profile", { email: "not-an-email" }), 400, "validation_error");
    expectError(await as(token)("PATCH", "/api/portal/profile", { address: "a\u0000b" }), 400, "validation_error");
  });

  it("changes the password (also the PPPoE one): old sessions end, the new password signs in", async () => {
    const old = await portalSignIn(stack, a, "alice", fx.password);
    const other = await portalSignIn(stack, a, "alice", fx.password);
    expectError(
      await as(old)("POST", "/api/portal/password", { currentPassword: "wrong", newPassword: "brand-new-1" }),
      400,
      "validation_error",
    );
    const res = await as(old)("POST", "/api/portal/password", {
      currentPassword: fx.password,
      newPassword: "brand-new-1",
    });
    expect(res.status).toBe(200);
    expectError(await as(other)("GET", "/api/portal/me"), 401, "unauthorized");
    expect((await as(res.body.token)("GET", "/api/portal/me")).status).toBe(200);
    // The operator sees the new PPPoE password.
    const revealed = await op("POST", `/api/subscribers/${fx.subscriberId}/reveal-password`);
    expect(revealed.body.password).toBe("brand-new-1");
    fx.password = "brand-new-1";
  });

  it("follows the operator's switches: plan change off by default, then on; the whole portal off", async () => {
    const token = await portalSignIn(stack, a, "alice", fx.password);
    const plans = await as(token)("GET", "/api/portal/plans");
    expect(plans.body.allowPlanChange).toBe(false);
    const faster = await op("POST", "/api/plans", {
      name: "Fast 100M",
      downloadKbps: 100000,
      uploadKbps: 20000,
      priceCents: 3000,
    });
    expectError(await as(token)("POST", "/api/portal/plan", { planId: faster.body.plan.id }), 403, "portal_disabled");
    expect((await op("PUT", "/api/settings/portal", { allowPlanChange: true })).body.portal.allowPlanChange).toBe(true);
    const changed = await as(token)("POST", "/api/portal/plan", { planId: faster.body.plan.id });
    expect(changed.status).toBe(200);
    expect(changed.body.subscriber.planId).toBe(faster.body.plan.id);
    expectError(await as(token)("POST", "/api/portal/plan", { planId: crypto.randomUUID() }), 400, "validation_error");

    expect((await op("PUT", "/api/settings/portal", { enabled: false })).status).toBe(200);
    expectError(await as(token)("GET", "/api/portal/me"), 403, "portal_disabled");
    expectError(
      await stack.request("POST", "/api/portal/auth/login", {
        host: a.host,
        body: { username: "alice", password: fx.password },
      }),
      403,
      "portal_disabled",
    );
    await op("PUT", "/api/settings/portal", { enabled: true });
    expectError(await op("PUT", "/api/settings/portal", {}), 400, "validation_error");
    expectError(await op("PUT", "/api/settings/portal", { enabled: "yes" }), 400, "validation_error");
  });

  it("keeps the tenant's currency, shown on the login page's branding too", async () => {
    expectError(await op("PUT", "/api/settings/currency", { currency: "dollars" }), 400, "validation_error");
    expect((await op("PUT", "/api/settings/currency", { currency: "kes" })).body.currency).toBe("KES");
    expect((await stack.request("GET", "/api/branding", { host: a.host })).body.currency).toBe("KES");
    const token = await portalSignIn(stack, a, "alice", fx.password);
    expect((await as(token)("GET", "/api/portal/me")).body.currency).toBe("KES");
    await op("PUT", "/api/settings/currency", { currency: "USD" });
  });

  it("signs out everywhere", async () => {
    const token = await portalSignIn(stack, a, "alice", fx.password);
    expect((await as(token)("POST", "/api/portal/logout")).status).toBe(204);
    expectError(await as(token)("GET", "/api/portal/me"), 401, "unauthorized");
  });
});
