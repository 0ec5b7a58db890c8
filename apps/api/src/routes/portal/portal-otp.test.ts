import type { BoundTenantClient } from "@proxpanel/db";
import { type FakeSmsGateway, fakeSmsGateway } from "@proxpanel/notify/testing/fake-sms-gateway";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { expectError } from "../../../../../tests/expect-error.ts";
import { type Stack, signupTenant, startStack, type TestTenant } from "../../../../../tests/harness.ts";
import { codeSentTo, otpOn, setPhone } from "./portal-otp-support.ts";
import { type PortalFixture, portalFixture, portalSignIn } from "./portal-test-support.ts";

let stack: Stack;
let gw: FakeSmsGateway;
let a: TestTenant;
let ca: BoundTenantClient;
let fx: PortalFixture;
const PHONE = "+254700000111";

const login = (username: string, password: string) =>
  stack.request("POST", "/api/portal/auth/login", { host: a.host, body: { username, password } });
const otp = (challengeId: string, code: string) =>
  stack.request("POST", "/api/portal/auth/otp", { host: a.host, body: { challengeId, code } });
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, "0");

beforeAll(async () => {
  gw = await fakeSmsGateway();
  stack = await startStack({ SMS_GATEWAY_ALLOW_PRIVATE: "true" });
  a = await signupTenant(stack);
  fx = await portalFixture(stack, a);
});
afterAll(async () => {
  await stack.close();
  await gw.close();
});

describe("portal sign-in with a phone one-time code", () => {
  it("is off by default: the password alone signs in", async () => {
    const settings = await stack.request("GET", "/api/settings/portal", { host: a.host, token: a.token });
    expect(settings.body.portal.phoneOtp).toBe("off");
    await portalSignIn(stack, a, fx.username, fx.password);
  });

  it("when on, a correct password earns a challenge and an SMS with the code; the code signs in once", async () => {
    ca = await otpOn(stack, a, gw);
    await setPhone(ca, fx.subscriberId, PHONE);
    const bad = await login(fx.username, "not-the-password");
    expectError(bad, 401, "unauthorized");
    const res = await login(fx.username, fx.password);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ otpRequired: true, phoneHint: "••• 11", expiresIn: 300 });
    expect(res.body.token).toBeUndefined();
    const code = await codeSentTo(stack, a, gw, PHONE);
    // Stored as sent in the tenant's outbox, like every other SMS.
    const sent = await ca.db.select().from(ca.t.notificationOutbox);
    expect(sent.find((r) => r.event === "portal_otp")).toMatchObject({ status: "sent", channel: "sms" });

    expectError(await otp(res.body.challengeId, wrong(code)), 401, "otp_invalid");
    const ok = await otp(res.body.challengeId, code);
    expect(ok.status).toBe(200);
    expect(ok.body.subscriber).toEqual({ id: fx.subscriberId, username: fx.username });
    const me = await stack.request("GET", "/api/portal/me", { host: a.host, token: ok.body.token });
    expect(me.status).toBe(200);
    // Single use: the same code again is refused.
    expectError(await otp(res.body.challengeId, code), 401, "otp_invalid");
    const audit = await stack.request("GET", `/api/audit-logs?entityId=${fx.subscriberId}`, {
      host: a.host,
      token: a.token,
    });
    const actions = audit.body.items.map((e: { action: string }) => e.action);
    expect(actions).toContain("portal.otp_sent");
    expect(actions).toContain("portal.login");
  });

  it("refuses after 5 wrong codes even the right one, and refuses an expired code", async () => {
    const res = await login(fx.username, fx.password);
    const code = await codeSentTo(stack, a, gw, PHONE);
    for (let i = 0; i < 5; i++) expectError(await otp(res.body.challengeId, wrong(code)), 401, "otp_invalid");
    const locked = await otp(res.body.challengeId, code);
    expectError(locked, 401, "otp_invalid");
    expect(locked.body.error.message).toMatch(/too many/i);

    const next = await login(fx.username, fx.password);
    const fresh = await codeSentTo(stack, a, gw, PHONE);
    const later = Date.now() + 5 * 60_000 + 1000;
    const spy = vi.spyOn(Date, "now").mockReturnValue(later);
    try {
      const expired = await otp(next.body.challengeId, fresh);
      expectError(expired, 401, "otp_invalid");
      expect(expired.body.error.message).toMatch(/expired/);
    } finally {
      spy.mockRestore();
    }
  });

  it("refuses a code for a subscriber without a phone, with otp_no_phone", async () => {
    await setPhone(ca, fx.subscriberId, null);
    expectError(await login(fx.username, fx.password), 403, "otp_no_phone");
    await setPhone(ca, fx.subscriberId, PHONE);
  });

  it("rejects a malformed code before checking it", async () => {
    const res = await login(fx.username, fx.password);
    expectError(await otp(res.body.challengeId, "12ab56"), 400, "validation_error");
  });
});
